package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
func (s *testStack) checkout(t testing.TB, email string, pay bool) (billing.Order, string, payment) {
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
func (s *testStack) served(t testing.TB, email string) (billing.Order, payment) {
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

	require.Equal(t, 1.0, s.metric(t, "backstop_mismatches_open", "identity_unknown"))
	require.Equal(t, 1.0, s.metric(t, "backstop_recon_runs_total", "sweep", "ok"))
	require.Equal(t, 4.0, s.metric(t, "backstop_recon_healed_total"))

	state := s.dbState(t)
	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.Healed)
	require.Zero(t, again.MismatchesOpened)
	require.Zero(t, again.MismatchesResolved)
	require.Equal(t, 7, again.MismatchesUpdated)
	require.Equal(t, state, s.dbState(t), "a second run changed orders, emails or jobs")

	s.simPost(t, "/_sim/charges/"+extra.Charge+"/refund", `{}`)
	_, err = s.store.DB().Exec(`UPDATE mismatches SET status = 'dismissed', resolved_at = now(), resolution = 'not ours'
		WHERE kind = 'identity_unknown'`)
	require.NoError(t, err)
	third := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, third.MismatchesResolved)
	require.Zero(t, third.MismatchesOpened, "a dismissed mismatch stays dismissed")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'identity_unknown'`))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'duplicate_payment' AND status = 'auto_resolved'`))
	_ = ctx
}

// metric reads one series of the stack's registry by its label values.
func (s *testStack) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	families, err := s.metrics.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var values []string
			for _, l := range m.GetLabel() {
				values = append(values, l.GetValue())
			}
			if strings.Join(values, ",") == strings.Join(labels, ",") {
				return m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s%v", name, labels)
	return 0
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

// TestSweepRebuildsRestoredDatabase deletes the orders of paid customers,
// as a restore from an older backup would, and checks that one sweep
// serves every one of them again, once, under their own references.
func TestSweepRebuildsRestoredDatabase(t *testing.T) {
	s := sweepStack(t)
	var refs []string
	for i := range 3 {
		o, _ := s.served(t, fmt.Sprintf("restored%d@example.test", i))
		refs = append(refs, o.PublicRef)
	}
	for _, table := range []string{"invoice_grants", "invoices", "subscriptions", "email_messages", "order_events", "entitlement_grants", "entitlements", "orders", "accounts"} {
		_, err := s.store.DB().Exec(`DELETE FROM ` + table)
		require.NoError(t, err)
	}
	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 3, res.Healed)
	require.Equal(t, map[string]int{"orphan_payment": 3}, res.ByKind)
	for i, ref := range refs {
		o := s.orderByRef(t, ref)
		require.Equal(t, billing.StatusFulfilled, o.Status)
		require.Equal(t, string(billing.ViaSweep), o.FulfilledVia)
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants WHERE order_id = $1`, o.ID))
		require.Equal(t, []string{"delayed_fulfillment"}, s.emailsTo(t, fmt.Sprintf("restored%d@example.test", i)))
	}
	require.Zero(t, s.sweep(t, recon.SweepOptions{}).Healed)
	require.Equal(t, 3, s.count(t, `SELECT count(*) FROM entitlement_grants`))
	require.Empty(t, s.mismatches(t, "open"))
}

// simStats reads the simulator's API call counts by endpoint.
func (s *testStack) simStats(t *testing.T) map[string]int {
	t.Helper()
	resp, err := http.Get(s.sim.URL + "/_sim/stats")
	require.NoError(t, err)
	defer resp.Body.Close()
	var st struct {
		ByEndpoint map[string]int `json:"by_endpoint"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	return st.ByEndpoint
}

// TestSweepCallsOnePerPage checks the sweep lists each resource in pages of
// 100: ⌈n/100⌉ calls for n objects (one for none), as the simulator counts
// them, and that the run records the same number.
func TestSweepCallsOnePerPage(t *testing.T) {
	s := sweepStack(t)
	for range 250 {
		s.orphan(t, "", 500, nil)
	}
	for range 3 {
		s.checkout(t, "pages@example.test", false)
	}
	before := s.simStats(t)
	res := s.sweep(t, recon.SweepOptions{DryRun: true})
	after := s.simStats(t)
	want := map[string]int{
		"GET /v1/checkout/sessions": 1, "GET /v1/payment_intents": 3, "GET /v1/charges": 3,
		"GET /v1/refunds": 1, "GET /v1/disputes": 1, "GET /v1/invoices": 1,
		"GET /v1/subscriptions": 1,
	}
	total := 0
	for endpoint, n := range want {
		require.Equal(t, n, after[endpoint]-before[endpoint], endpoint)
		total += n
	}
	require.Equal(t, total, res.APICalls)
	require.Equal(t, 503, res.ObjectsSeen)
	require.Equal(t, 250, res.ByKind["identity_unknown"])
	require.Equal(t, 250, res.MismatchesOpened, "a dry run reports what it would open")
	require.Empty(t, s.mismatches(t, ""), "a dry run writes no mismatch")
	require.Zero(t, s.count(t, `SELECT count(*) FROM recon_objects`), "staging is emptied")
	require.Zero(t, s.count(t, `SELECT count(*) FROM recon_invoices`), "staging is emptied")
}

// TestSweepFailureAlertsOnceAndNextRunCoversTheGap runs a sweep, makes the
// processor fail every call (the run fails cleanly, recorded, one alert
// email however often the switch is checked), then heals: the next run
// starts at the watermark of the last complete one, so a payment made
// during the outage is served although it is older than the lookback.
func TestSweepFailureAlertsOnceAndNextRunCoversTheGap(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	clock := t0.Add(-10 * time.Minute)
	now := func() time.Time { return clock }
	s.recon.sweeper.Now = now
	s.recon.alerter.Now = now
	s.recon.alerter.Email = "ops@shop.test"
	s.recon.alerter.Watches = []recon.Watch{{Kind: "sweep", Interval: 2 * time.Hour}}
	s.recon.sweeper.Alerts = s.recon.alerter

	s.sweep(t, recon.SweepOptions{})
	paid := s.orphan(t, "gap@example.test", 24900, map[string]string{"plan": demoPlan.Code})

	s.simPost(t, "/_sim/faults", `{"api_error_rate": 1.0}`)
	clock = t0.Add(2 * time.Hour)
	failed, err := s.recon.sweeper.Run(ctx, recon.SweepOptions{})
	require.Error(t, err)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM recon_runs WHERE id = $1 AND error <> '' AND finished_at IS NOT NULL`, failed.RunID))
	require.NoError(t, s.recon.alerter.Check(ctx))
	require.NoError(t, s.recon.alerter.Check(ctx))
	require.Equal(t, []string{"staff_alert"}, s.emailsTo(t, "ops@shop.test"))
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1`, paid.PaymentIntent))

	s.simPost(t, "/_sim/faults", `{"api_error_rate": 0}`)
	clock = t0.Add(3 * time.Hour)
	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, t0.Add(-10*time.Minute), res.WindowFrom, "the window starts at the watermark")
	require.Equal(t, 1, res.Healed)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND status = 'fulfilled'`, paid.PaymentIntent))
	require.NoError(t, s.recon.alerter.Check(ctx))
	require.Equal(t, []string{"staff_alert", "staff_alert"}, s.emailsTo(t, "ops@shop.test"), "raised once, recovered once")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE to_email = 'ops@shop.test' AND subject LIKE '%recovered%'`))
}

// TestSweepRunsOneAtATime holds the sweep lock as another process would:
// a sweep then does nothing and says another is running.
func TestSweepRunsOneAtATime(t *testing.T) {
	s := sweepStack(t)
	release, ok, err := s.store.TryLockSweep(context.Background())
	require.NoError(t, err)
	require.True(t, ok)
	_, err = s.recon.sweeper.Run(context.Background(), recon.SweepOptions{})
	require.ErrorIs(t, err, recon.ErrBusy)
	require.Zero(t, s.count(t, `SELECT count(*) FROM recon_runs`))
	release()
	s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM recon_runs WHERE kind = 'sweep'`))
}

// TestHoldingEmailFromTheEventPath delivers the webhook of a payment made
// outside our checkout, with an email but an amount no plan costs: the
// customer gets the holding email at once, and the sweep that queues it
// for a person sends no second one.
func TestHoldingEmailFromTheEventPath(t *testing.T) {
	s := sweepStack(t)
	p := s.orphan(t, "hold@example.test", 4321, nil)
	resp, err := s.app.Test(signed(s.event(t, "payment_intent.succeeded"), testSecret, time.Now()), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, []string{"payment_on_hold"}, s.emailsTo(t, "hold@example.test"))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE dedupe_key = $1 AND order_id IS NULL
		AND text_body LIKE '%' || $2 || '%'`, "payment:"+p.PaymentIntent+":payment_on_hold", p.PaymentIntent))

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, map[string]int{"orphan_payment": 1}, res.ByKind)
	require.Equal(t, 1, res.MismatchesOpened)
	require.Equal(t, []string{"payment_on_hold"}, s.emailsTo(t, "hold@example.test"))
}

// TestAlertWhenNoRunCompletes is the dead man's switch: with no events run
// completed for twice its interval, one alert, however often it is
// checked; once a run completes, one recovery email.
func TestAlertWhenNoRunCompletes(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	a := s.recon.alerter
	clock := time.Now()
	a.Now = func() time.Time { return clock }
	a.Email = "ops@shop.test"
	a.Watches = []recon.Watch{{Kind: "events", Interval: 30 * time.Second}}
	require.NoError(t, a.Check(ctx))
	require.Empty(t, s.emailsTo(t, "ops@shop.test"), "just started watching")
	clock = clock.Add(61 * time.Second)
	for range 3 {
		require.NoError(t, a.Check(ctx))
	}
	require.Equal(t, []string{"staff_alert"}, s.emailsTo(t, "ops@shop.test"))
	st, err := a.Status(ctx)
	require.NoError(t, err)
	require.True(t, st[0].Raised)
	require.Contains(t, st[0].Reason, "no events run has completed")
	resp, body := s.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode, "an alert does not take the instance out of rotation")
	require.Contains(t, body, "alert: events reconciliation: no events run has completed")

	id, err := s.store.StartReconRun(ctx, "events", false, "")
	require.NoError(t, err)
	require.NoError(t, s.store.FinishReconRun(ctx, store.ReconRun{ID: id, Kind: "events"}))
	clock = time.Now()
	require.NoError(t, a.Check(ctx))
	require.NoError(t, a.Check(ctx))
	require.Equal(t, []string{"staff_alert", "staff_alert"}, s.emailsTo(t, "ops@shop.test"))
}

// TestAlertFlappingSendsNoStorm fails and heals the events job again and
// again: after the first raise and recovery, nothing more is emailed until
// a failure outlasts the cooldown.
func TestAlertFlappingSendsNoStorm(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	a := s.recon.alerter
	clock := time.Now()
	a.Now = func() time.Time { return clock }
	a.Email = "ops@shop.test"
	a.Watches = []recon.Watch{{Kind: "events", Interval: 30 * time.Second}}
	run := func(failed bool) {
		id, err := s.store.StartReconRun(ctx, "events", false, "")
		require.NoError(t, err)
		r := store.ReconRun{ID: id, Kind: "events"}
		if failed {
			msg := "processor unavailable"
			r.Error = &msg
		}
		require.NoError(t, s.store.FinishReconRun(ctx, r))
		require.NoError(t, a.Check(ctx))
	}
	for range 5 {
		clock = time.Now()
		run(true)
		st, err := a.Status(ctx)
		require.NoError(t, err)
		require.True(t, st[0].Raised)
		run(false)
		st, err = a.Status(ctx)
		require.NoError(t, err)
		require.False(t, st[0].Raised)
	}
	require.Equal(t, 2, len(s.emailsTo(t, "ops@shop.test")), "one raise, one recovery")
	for range 31 { // 15.5 minutes of failure
		run(true)
		clock = clock.Add(30 * time.Second)
	}
	require.Equal(t, 3, len(s.emailsTo(t, "ops@shop.test")), "a failure outlasting the cooldown is emailed")
}
