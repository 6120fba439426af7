package e2e

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/invariant"
)

const simYear = 365 * 24 * 3600

// buyYearly buys the yearly subscription through the app and waits until
// it is served.
func (w *world) buyYearly(email string) {
	w.t.Helper()
	w.pay(w.checkout(email, formToken()))
	w.eventually(30*time.Second, "the purchase served", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled'`, email) == 1
	})
}

// subscriptionOf is `backstop subscriptions --email E --json`'s one row.
func (w *world) subscriptionOf(email string) map[string]any {
	w.t.Helper()
	var rows []map[string]any
	require.NoError(w.t, json.Unmarshal([]byte(w.backstop("subscriptions", "--email", email, "--json")), &rows))
	require.Len(w.t, rows, 1)
	return rows[0]
}

// requireRenewedOnce: the subscription's two invoices are granted, access
// runs to the processor's new period end, and one renewal_receipt went out,
// making mails messages in the customer's mailbox.
func (w *world) requireRenewedOnce(email string, mails int) {
	t := w.t
	w.eventually(30*time.Second, "the renewal granted", func() bool {
		return w.count(`SELECT count(*) FROM invoice_grants g JOIN subscriptions s ON s.id = g.subscription_id WHERE s.email = $1`, email) == 2
	})
	w.eventually(30*time.Second, "the renewal receipt delivered", func() bool {
		return len(w.mail.MessagesTo(t, email)) == mails
	})
	time.Sleep(500 * time.Millisecond) // let any late duplicate land before counting
	sub := w.subscriptionOf(email)
	var processor map[string]any
	w.simJSON("GET", "/v1/subscriptions/"+sub["id"].(string), nil, &processor)
	end := time.Unix(int64(processor["current_period_end"].(float64)), 0).UTC().Format(time.RFC3339)
	require.Equal(t, end, sub["access_until"], "access runs to the new period's end")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1 AND template = 'renewal_receipt'`, email))
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE email = $1`, email), "a renewal is no new order")
	for _, in := range sub["invoices"].([]any) {
		require.Equal(t, true, in.(map[string]any)["granted"])
	}
	// After a crash the dead process's jobs stay "running" until River's
	// rescuer (every 30 s, on the leader) finds them older than 25 s: the
	// same bound as the soak's repair, which returns as soon as it is clean.
	require.Empty(t, invariant.Strings(w.untilClean(repairWithin)), "the invariant checker, renewals included")
}

// TestYearlyPlanRenewsAYearLater: the real binary and the simulator as
// processes; the simulator's clock moves a year; the renewal's webhooks
// grant the new period once.
func TestYearlyPlanRenewsAYearLater(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startApp("")
	email := "yearly-" + randHex(4) + "@example.test"
	w.buyYearly(email)
	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": simYear + 3600}, nil)
	w.requireRenewedOnce(email, 2)

	// The checker sees a lost renewal grant: the period the customer paid
	// for and does not have.
	_, err := w.db.Exec(`DELETE FROM invoice_grants WHERE invoice_id IN (SELECT id FROM invoices WHERE billing_reason = 'subscription_cycle')`)
	require.NoError(t, err)
	var lost []string
	for _, v := range w.check() {
		if v.Rule == "renewal_granted_once" { // the live app's jobs may be running too
			lost = append(lost, v.String())
		}
	}
	require.Len(t, lost, 1, "%q", lost)
	require.Contains(t, lost[0], "renewal_granted_once: in_")
	require.Contains(t, lost[0], "granted 0 times")
}

// TestRenewalSurvivesACrashBeforeCommit: the app dies at
// fulfill.before_commit while granting the renewal; the restarted app
// (Stripe's redelivery, or catch-up) grants it once, with one email.
func TestRenewalSurvivesACrashBeforeCommit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1s"}
	first := w.startApp("")
	email := "crashed-" + randHex(4) + "@example.test"
	w.buyYearly(email)
	require.NoError(t, first.Signal(syscall.SIGTERM))
	_, _ = first.WaitExit(20 * time.Second)

	app := w.startApp("fulfill.before_commit")
	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": simYear + 3600}, nil)
	require.True(t, app.KilledBySIGKILL(30*time.Second), "the app should die granting the renewal")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM invoice_grants g JOIN subscriptions s ON s.id = g.subscription_id WHERE s.email = $1`, email),
		"died before commit: the renewal is not granted yet")

	w.startApp("")
	w.retryWebhooks()
	w.requireRenewedOnce(email, 2)
}

// TestRenewalWithWebhooksDroppedIsGrantedByCatchUp: no renewal webhook
// ever arrives; event catch-up grants the period once.
func TestRenewalWithWebhooksDroppedIsGrantedByCatchUp(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1s"}
	w.startApp("")
	email := "lost-" + randHex(4) + "@example.test"
	w.buyYearly(email)
	w.simFaults("drop")
	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": simYear + 3600}, nil)
	w.requireRenewedOnce(email, 2)
	require.Equal(t, 1, w.count(`SELECT count(*) FROM invoice_grants WHERE granted_via = 'event_catchup'`))
}
