package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/fault"
)

// crashCase is one named fault point of the money path: how the customer
// drives the app until it dies there.
type crashCase struct {
	point string
	// holdWebhooks delays the simulator's webhooks, so the return page is
	// the first path to reach the point.
	holdWebhooks bool
	// visitReturn has the customer's browser follow the processor's redirect.
	visitReturn bool
	// emails is how many copies of the one email Mailpit ends up holding.
	emails int
}

// TestCrashAtEveryFaultPoint is the seed scenario solved: for each point, the
// real binary dies there (SIGKILL), is restarted without the fault, and with
// no human the customer ends up served once, with one email (two with the
// same Message-ID only when the crash came after the SMTP server accepted).
func TestCrashAtEveryFaultPoint(t *testing.T) {
	cases := []crashCase{
		{point: fault.CheckoutAfterOrderInsert, emails: 1},
		{point: fault.CheckoutAfterSessionCreate, emails: 1},
		{point: fault.ReturnAfterVerify, holdWebhooks: true, visitReturn: true, emails: 1},
		{point: fault.WebhookAfterVerify, emails: 1},
		{point: fault.FulfillBeforeCommit, visitReturn: true, emails: 1},
		{point: fault.FulfillAfterCommit, visitReturn: true, emails: 1},
		{point: fault.EmailAfterSend, visitReturn: true, emails: 2},
	}
	for _, tc := range cases {
		t.Run(tc.point, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			email := "buyer-" + randHex(4) + "@example.test"
			if strings.HasPrefix(tc.point, "checkout.") {
				crashInCheckout(t, w, tc, email)
			} else {
				crashAfterPayment(t, w, tc, email)
			}
			w.requireServedOnce(email, tc.emails)
		})
	}
}

// crashInCheckout: the app dies while starting the checkout, before the
// customer could pay. The order must stay unpaid and unfulfilled; the
// customer's retry of the same form reuses the order (and, through the
// processor's idempotency, the session), pays, and is served once.
func crashInCheckout(t *testing.T, w *world, tc crashCase, email string) {
	app := w.startApp(tc.point)
	token := formToken()
	require.Empty(t, w.checkout(email, token), "the checkout should die at %s", tc.point)
	require.True(t, app.KilledBySIGKILL(20*time.Second), "app should die of SIGKILL at %s", tc.point)
	require.Contains(t, app.Output(), "fault point "+tc.point+" reached")

	w.startApp("")
	time.Sleep(time.Second) // give any (wrong) repair a chance to act
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'pending'`, email))
	require.Zero(t, w.count(`SELECT count(*) FROM orders WHERE status <> 'pending'`), "died before payment: never fulfilled")

	session := w.checkout(email, token)
	require.NotEmpty(t, session)
	require.Len(t, w.simList("checkout/sessions"), 1, "one session for one order, however often it is asked for")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders`), "the retried form reuses the order")
	w.pay(session)
	w.waitServed(email, tc.emails)
}

// crashAfterPayment: the customer pays; the app dies at the point on the
// return page, the webhook, the fulfilment or the email. After a restart the
// simulator's webhook retries repair it within seconds.
func crashAfterPayment(t *testing.T, w *world, tc crashCase, email string) {
	app := w.startApp(tc.point)
	if tc.holdWebhooks {
		w.simFaults("delay:2s")
	}
	session := w.checkout(email, formToken())
	require.NotEmpty(t, session)
	returnURL := w.pay(session)
	if tc.visitReturn {
		if resp, err := http.Get(returnURL); err == nil {
			resp.Body.Close()
		}
	}
	require.True(t, app.KilledBySIGKILL(20*time.Second), "app should die of SIGKILL at %s:\n%s", tc.point, app.Output())
	require.Contains(t, app.Output(), "fault point "+tc.point+" reached")
	w.simFaults("deliver")

	w.startApp("")
	w.retryWebhooks()
	w.waitServed(email, tc.emails)
}

// waitServed waits until the customer's order is fulfilled and Mailpit holds
// the expected copies of its email. An email interrupted by the crash is
// picked up again by River's rescuer, which can take a minute.
func (w *world) waitServed(email string, copies int) {
	w.eventually(45*time.Second, "order fulfilled", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled'`, email) == 1
	})
	w.eventually(100*time.Second, "email delivered", func() bool {
		return len(w.mail.MessagesTo(w.t, email)) >= copies &&
			w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1 AND status = 'sent'`, email) == 1
	})
}

// requireServedOnce checks the money invariants against the processor's own
// records: every succeeded payment has exactly one fulfilled order and one
// grant; no order is fulfilled without a succeeded payment; the customer has
// exactly one logical email, delivered `copies` times with one Message-ID.
func (w *world) requireServedOnce(email string, copies int) {
	t := w.t
	time.Sleep(500 * time.Millisecond) // let any late duplicate land before counting
	succeeded := map[string]bool{}
	for _, pi := range w.simList("payment_intents") {
		if pi["status"] == "succeeded" {
			succeeded[pi["id"].(string)] = true
		}
	}
	require.Len(t, succeeded, 1)
	for pi := range succeeded {
		require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND status = 'fulfilled'`, pi))
		require.Equal(t, 1, w.count(`SELECT count(*) FROM entitlement_grants g JOIN orders o ON o.id = g.order_id WHERE o.payment_intent_id = $1`, pi))
	}
	var fulfilled []string
	require.NoError(t, w.db.Select(&fulfilled, `SELECT COALESCE(payment_intent_id, '') FROM orders WHERE status = 'fulfilled'`))
	for _, pi := range fulfilled {
		require.True(t, succeeded[pi], "order fulfilled without a succeeded payment: %q", pi)
	}
	require.Equal(t, 1, w.count(`SELECT count(*) FROM entitlements e JOIN accounts a ON a.id = e.account_id WHERE lower(a.email) = lower($1)`, email))
	require.Equal(t, 1, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1
		AND template IN ('order_confirmation', 'delayed_fulfillment')`, email), "one logical email")
	var messageID string
	require.NoError(t, w.db.Get(&messageID, `SELECT message_id FROM email_messages WHERE to_email = $1`, email))
	got := w.mail.MessagesTo(t, email)
	require.Len(t, got, copies, "copies in the mailbox")
	for _, m := range got {
		require.Equal(t, strings.Trim(messageID, "<>"), strings.Trim(m.MessageID, "<>"), "one stable Message-ID")
	}
}
