package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFailedRenewalKeepsAccessThroughTheGrace: the card on file becomes the
// one that fails later, so the renewal fails: past_due, one payment_failed
// email, access to the period's end plus RENEWAL_GRACE; the processor's
// retries fail and it ends the subscription: access still ends at the
// grace, not before. (Whether access has ended is Backstop's clock against
// that end; the simulator's clock runs a year ahead of it.)
func TestFailedRenewalKeepsAccessThroughTheGrace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startApp("")
	email := "declined-" + randHex(4) + "@example.test"
	w.buyYearly(email)
	sub := w.subscriptionOf(email)
	id := sub["id"].(string)
	var processor map[string]any
	w.simJSON("GET", "/v1/subscriptions/"+id, nil, &processor)
	graceEnd := time.Unix(int64(processor["current_period_end"].(float64)), 0).Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)

	w.simJSON("POST", "/_sim/subscriptions/"+id+"/card", map[string]any{"card": "4000000000000341"}, nil)
	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": simYear + 3600}, nil)
	w.eventually(30*time.Second, "past due", func() bool { return w.subscriptionOf(email)["status"] == "past_due" })
	w.eventually(30*time.Second, "payment_failed delivered", func() bool { return len(w.mail.MessagesTo(t, email)) == 2 })
	require.Equal(t, graceEnd, w.subscriptionOf(email)["access_until"])

	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": 10 * 24 * 3600}, nil)
	w.eventually(30*time.Second, "ended unpaid", func() bool { return w.subscriptionOf(email)["status"] == "canceled" })
	time.Sleep(500 * time.Millisecond)
	require.Equal(t, graceEnd, w.subscriptionOf(email)["access_until"], "access ends at the grace, never before")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1 AND template = 'payment_failed'`, email))
	require.Zero(t, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1 AND template = 'renewal_receipt'`, email))
}

// TestFailedRenewalPaidWithinTheGraceNeverLapses: the renewal fails on the
// card that fails later; a day later the customer pays the open invoice
// with a good card, at the processor's page: the subscription is active
// again, access runs to the new period's end and never dipped below the
// grace, and one renewal_receipt follows the one payment_failed.
func TestFailedRenewalPaidWithinTheGraceNeverLapses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startApp("")
	email := "fixed-" + randHex(4) + "@example.test"
	w.buyYearly(email)
	id := w.subscriptionOf(email)["id"].(string)

	w.simJSON("POST", "/_sim/subscriptions/"+id+"/card", map[string]any{"card": "4000000000000341"}, nil)
	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": simYear + 3600}, nil)
	w.eventually(30*time.Second, "past due", func() bool { return w.subscriptionOf(email)["status"] == "past_due" })
	w.eventually(30*time.Second, "payment_failed delivered", func() bool { return len(w.mail.MessagesTo(t, email)) == 2 })
	var open string
	for _, in := range w.subscriptionOf(email)["invoices"].([]any) {
		if inv := in.(map[string]any); inv["status"] == "open" {
			open = inv["id"].(string)
		}
	}
	require.NotEmpty(t, open, "the failed renewal's invoice is open")
	graceAccess := w.subscriptionOf(email)["access_until"]

	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": 24 * 3600}, nil)
	w.simJSON("POST", "/_sim/invoices/"+open+"/pay", map[string]any{"card": "4242424242424242"}, nil)
	w.eventually(30*time.Second, "active again", func() bool { return w.subscriptionOf(email)["status"] == "active" })
	w.requireRenewedOnce(email, 3) // the confirmation, payment_failed, renewal_receipt
	require.Greater(t, w.subscriptionOf(email)["access_until"].(string), graceAccess.(string), "access runs past the grace to the paid period's end")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1 AND template = 'payment_failed'`, email))
}
