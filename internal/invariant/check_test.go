package invariant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/invariant"
	"github.com/backstophq/backstop/internal/stripesim"
)

const apiKey = "sk_test_invariant"

// world is a database and a simulator with the checker pointed at both,
// and a mailbox that holds what the test says.
type world struct {
	db   *sqlx.DB
	sim  *httptest.Server
	mail map[string]int // Message-ID → copies
	src  invariant.Sources
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sim, err := stripesim.New(stripesim.Options{APIKey: apiKey})
	require.NoError(t, err)
	w := &world{db: dbtest.New(t), sim: httptest.NewServer(sim.Handler()), mail: map[string]int{}}
	t.Cleanup(w.sim.Close)
	mailpit := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		type msg struct{ MessageID string }
		var list []msg
		for id, n := range w.mail {
			for range n {
				list = append(list, msg{MessageID: "<" + id + ">"})
			}
		}
		_ = json.NewEncoder(rw).Encode(map[string]any{"total": len(list), "messages": list})
	}))
	t.Cleanup(mailpit.Close)
	w.src = invariant.Sources{DB: w.db, Processor: invariant.Processor{BaseURL: w.sim.URL, APIKey: apiKey},
		Mailbox: &invariant.Mailpit{API: mailpit.URL}}
	w.exec(t, `INSERT INTO plans (code, name, amount, currency, interval) VALUES ('pro-yearly', 'Pro', 24900, 'usd', 'year')`)
	return w
}

func (w *world) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	_, err := w.db.Exec(q, args...)
	require.NoError(t, err, q)
}

// pay makes a succeeded payment at the processor and returns its ids.
func (w *world) pay(t *testing.T, email string) (pi, charge string) {
	t.Helper()
	var out struct {
		PaymentIntent string `json:"payment_intent"`
		Charge        string `json:"charge"`
	}
	w.simPost(t, "/_sim/payments", map[string]any{"email": email, "amount": 24900, "currency": "usd"}, &out)
	return out.PaymentIntent, out.Charge
}

func (w *world) simPost(t *testing.T, path string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(w.sim.URL+path, "application/json", bytes.NewReader(b))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Less(t, resp.StatusCode, 300)
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	}
}

// served writes an order served for pi, with its grant and one sent email
// delivered copies times; it returns the order id.
func (w *world) served(t *testing.T, email, pi string, copies int) int64 {
	t.Helper()
	var account, order int64
	require.NoError(t, w.db.Get(&account, `INSERT INTO accounts (email) VALUES ($1) RETURNING id`, email))
	require.NoError(t, w.db.Get(&order, `
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key, payment_intent_id,
			account_id, fulfilled_via, paid_at, fulfilled_at)
		VALUES ('ref-' || $1, $1, 'pro-yearly', 24900, 'usd', 'fulfilled', 'key-' || $1, $2, $3, 'webhook', now(), now())
		RETURNING id`, email, pi, account))
	w.exec(t, `INSERT INTO entitlement_grants (order_id, account_id, plan_code, valid_from, valid_until)
		VALUES ($1, $2, 'pro-yearly', now(), now() + interval '1 year')`, order, account)
	msgID := fmt.Sprintf("order-%d@shop.test", order)
	w.exec(t, `INSERT INTO email_messages (template, template_version, to_email, subject, html_body, text_body, order_id,
			dedupe_key, message_id, status, sent_at)
		VALUES ('order_confirmation', 0, $1, 's', 'h', 't', $2, $4, $3, 'sent', now())`,
		email, order, "<"+msgID+">", fmt.Sprintf("order:%d:order_confirmation", order))
	w.mail[msgID] = copies
	return order
}

// TestCheckerPassesAHealthyWorld: served payments, a refunded one with no
// order, an unserved one a person has in the queue: nothing to report.
func TestCheckerPassesAHealthyWorld(t *testing.T) {
	w := newWorld(t)
	pi, _ := w.pay(t, "a@example.test")
	w.served(t, "a@example.test", pi, 1)
	pi, _ = w.pay(t, "crash@example.test")
	w.served(t, "crash@example.test", pi, 2) // the send window: two copies, one Message-ID
	_, charge := w.pay(t, "refunded@example.test")
	w.simPost(t, "/_sim/charges/"+charge+"/refund", map[string]any{}, nil)
	pi, _ = w.pay(t, "")
	w.exec(t, `INSERT INTO mismatches (kind, subject, payment_intent_id) VALUES ('identity_unknown', $1, $1)`, pi)
	w.exec(t, `INSERT INTO processor_events (id, type, payload, source, created_at, attempts, last_error)
		VALUES ('evt_failing', 'charge.refunded', '{}', 'webhook', now(), 3, 'no such charge')`)

	vs, err := invariant.Check(context.Background(), w.src)
	require.NoError(t, err)
	require.Empty(t, invariant.Strings(vs))
}

// TestCheckerReportsEveryBrokenRule breaks each rule once and expects one
// violation per break, all of them reported.
func TestCheckerReportsEveryBrokenRule(t *testing.T) {
	w := newWorld(t)
	unserved, _ := w.pay(t, "unserved@example.test")
	pi, _ := w.pay(t, "triple@example.test")
	w.served(t, "triple@example.test", pi, 3)
	bogus := w.served(t, "bogus@example.test", "pi_nobody_paid", 1)
	w.exec(t, `DELETE FROM entitlement_grants WHERE order_id = $1`, bogus)
	w.exec(t, `INSERT INTO processor_events (id, type, payload, source, created_at) VALUES ('evt_silent', 'checkout.session.completed', '{}', 'webhook', now())`)
	w.exec(t, `INSERT INTO river_job (kind, args, state, attempt, max_attempts, queue, priority, attempted_at)
		VALUES ('send_email', '{}', 'running', 1, 25, 'default', 1, now())`)

	vs, err := invariant.Check(context.Background(), w.src)
	require.NoError(t, err)
	rules := map[string][]string{}
	for _, v := range vs {
		rules[v.Rule] = append(rules[v.Rule], v.Subject)
	}
	t.Log(invariant.Strings(vs))
	require.Equal(t, []string{unserved}, rules["payment_served_once"])
	require.Len(t, rules["served_without_payment"], 1, "the order with a payment nobody made")
	require.Len(t, rules["period_granted_once"], 1, "the bogus order has no grant")
	require.Len(t, rules["emailed_once"], 1, "three copies")
	require.Equal(t, []string{"evt_silent"}, rules["event_accounted_for"])
	require.Len(t, rules["no_running_job"], 1)
}
