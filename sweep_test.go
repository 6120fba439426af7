package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// sweepStack is a test stack whose sweep looks back an hour with no grace,
// so payments made a moment ago are in scope.
func sweepStack(t *testing.T) *testStack {
	t.Helper()
	s := newTestStack(t)
	s.recon.sweeper.Lookback = time.Hour
	s.recon.sweeper.Grace = 0
	s.recon.sweeper.Alerts = nil
	return s
}

func (s *testStack) sweep(t *testing.T, opts recon.SweepOptions) recon.Result {
	t.Helper()
	res, err := s.recon.sweeper.Run(context.Background(), opts)
	require.NoError(t, err)
	return res
}

// payment is what the simulator answers for a payment.
type payment struct {
	PaymentIntent string `json:"payment_intent"`
	Charge        string `json:"charge"`
}

// orphan makes a succeeded payment outside our checkout.
func (s *testStack) orphan(t *testing.T, email string, amount int64, meta map[string]string) payment {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"email": email, "amount": amount, "currency": "usd", "metadata": meta})
	var p payment
	require.NoError(t, json.Unmarshal(s.simPost(t, "/_sim/payments", string(body)), &p))
	return p
}

// checkout starts a checkout for email and, if pay, pays it; nothing is
// fulfilled.
func (s *testStack) checkout(t *testing.T, email string, pay bool) (billing.Order, string, payment) {
	t.Helper()
	order, payURL, err := s.billing.StartCheckout(context.Background(), billing.CheckoutForm{
		Email: email, PlanCode: demoPlan.Code, FormToken: "form-" + randHex(10),
	})
	require.NoError(t, err)
	session := payURL[strings.LastIndex(payURL, "/")+1:]
	var p payment
	if pay {
		require.NoError(t, json.Unmarshal(s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242"}`), &p))
	}
	return order, session, p
}

// served pays a checkout and serves it through the return page.
func (s *testStack) served(t *testing.T, email string) (billing.Order, payment) {
	t.Helper()
	order, session, p := s.checkout(t, email, true)
	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)
	return order, p
}

func (s *testStack) mismatches(t *testing.T, status string) []store.Mismatch {
	t.Helper()
	ms, err := s.store.Mismatches(context.Background(), store.MismatchFilter{Status: status})
	require.NoError(t, err)
	return ms
}

func (s *testStack) emailsTo(t *testing.T, to string) []string {
	t.Helper()
	var templates []string
	require.NoError(t, s.store.DB().Select(&templates, `SELECT template FROM email_messages WHERE lower(to_email) = lower($1) ORDER BY id`, to))
	return templates
}

func kindsOf(ms []store.Mismatch) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		out[m.Kind]++
	}
	return out
}

// TestSweepClassifiesEveryKind builds one of each case of DESIGN section 6
// with webhooks dropped (the test stack has no webhook URL), sweeps, and
// checks each is classified as the table says, the safe ones healed with
// exactly one email; a second run changes nothing, and refunding the extra
// payment of a duplicate auto-resolves it on the third.
func TestSweepClassifiesEveryKind(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "meta@example.test", 24900, map[string]string{"plan": demoPlan.Code})
	s.orphan(t, "bare@example.test", 24900, nil)
	noEmail := s.orphan(t, "", 24900, nil)
	s.orphan(t, "noplan@example.test", 1234, nil)
	stuck, _, _ := s.checkout(t, "stuck@example.test", true)
	_, refunded := s.served(t, "refunded@example.test")
	s.simPost(t, "/_sim/charges/"+refunded.Charge+"/refund", `{}`)
	_, disputed := s.served(t, "disputed@example.test")
	s.simPost(t, "/_sim/charges/"+disputed.Charge+"/dispute", `{}`)
	dupOrder, _ := s.served(t, "twice@example.test")
	extra := s.orphan(t, "twice@example.test", 24900, map[string]string{
		"order_id": fmt.Sprint(dupOrder.ID), "public_ref": dupOrder.PublicRef, "plan": demoPlan.Code})
	wrong := s.orphan(t, "wrong@example.test", 100, map[string]string{"plan": demoPlan.Code})
	expiring, session, _ := s.checkout(t, "expired@example.test", false)
	s.expireSession(t, session)
	_, err := s.store.DB().Exec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status,
		idempotency_key, payment_intent_id, fulfilled_via, paid_at, fulfilled_at)
		VALUES ('BK-GHOS-T001', 'ghost@example.test', $1, 24900, 'usd', 'fulfilled', 'ghost', 'pi_ghost', 'webhook',
		now() - interval '10 minutes', now() - interval '10 minutes')`, demoPlan.Code)
	require.NoError(t, err)
	emailsBefore := s.count(t, `SELECT count(*) FROM email_messages`)

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, map[string]int{
		"orphan_payment": 3, "identity_unknown": 1, "stuck_pending": 1, "refunded_active": 1, "disputed": 1,
		"duplicate_payment": 1, "amount_mismatch": 1, "expired_pending": 1, "unpaid_fulfilled": 1,
	}, res.ByKind)
	require.Equal(t, 4, res.Healed, "two orphans, one stuck order, one expired order")
	require.Equal(t, 7, res.MismatchesOpened)
	require.Equal(t, map[string]int{
		"orphan_payment": 1, "identity_unknown": 1, "refunded_active": 1, "disputed": 1,
		"duplicate_payment": 1, "amount_mismatch": 1, "unpaid_fulfilled": 1,
	}, kindsOf(s.mismatches(t, "open")))

	for _, email := range []string{"meta@example.test", "bare@example.test", "stuck@example.test"} {
		require.Equal(t, []string{"delayed_fulfillment"}, s.emailsTo(t, email), email)
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled' AND fulfilled_via = 'sweep'`, email))
	}
	require.Equal(t, []string{"payment_on_hold"}, s.emailsTo(t, "wrong@example.test"))
	require.Equal(t, []string{"payment_on_hold"}, s.emailsTo(t, "noplan@example.test"))
	require.Equal(t, emailsBefore+5, s.count(t, `SELECT count(*) FROM email_messages`))
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, stuck.PublicRef).Status)
	require.Equal(t, billing.StatusExpired, s.orderByRef(t, expiring.PublicRef).Status)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND status = 'paid'`, wrong.PaymentIntent))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'disputed' AND urgent AND evidence_due_by > now() + interval '6 days'`))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'identity_unknown' AND subject = $1
		AND evidence->'payment'->>'amount' = '24900'`, noEmail.PaymentIntent))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'duplicate_payment' AND subject = $1 AND order_id = $2`,
		extra.PaymentIntent, dupOrder.ID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM recon_runs WHERE id = $1 AND finished_at IS NOT NULL AND error IS NULL
		AND api_calls = $2 AND objects_seen = $3`, res.RunID, res.APICalls, res.ObjectsSeen))

	state := s.dbState(t)
	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.Healed)
	require.Zero(t, again.MismatchesOpened)
	require.Zero(t, again.MismatchesResolved)
	require.Equal(t, 7, again.MismatchesUpdated)
	require.Equal(t, state, s.dbState(t), "a second run changed orders, emails or jobs")

	s.simPost(t, "/_sim/charges/"+extra.Charge+"/refund", `{}`)
	third := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, third.MismatchesResolved)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'duplicate_payment' AND status = 'auto_resolved'`))
	_ = ctx
}

func (s *testStack) expireSession(t *testing.T, session string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.sim.URL+"/v1/checkout/sessions/"+session+"/expire", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
