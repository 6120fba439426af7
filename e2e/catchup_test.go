package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDroppedWebhooksRepairedByCatchUp: the processor never delivers a
// webhook and the customer never comes back from the payment page; the
// event catch-up (every second here, 30 s by default) serves them anyway.
func TestDroppedWebhooksRepairedByCatchUp(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1s"}
	w.startApp("")
	w.simFaults("drop")
	email := "dropped-" + randHex(4) + "@example.test"
	session := w.checkout(email, formToken())
	w.pay(session)

	w.eventually(30*time.Second, "fulfilled by catch-up", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled' AND fulfilled_via = 'event_catchup'`, email) == 1
	})
	w.eventually(30*time.Second, "recovery email delivered", func() bool {
		return len(w.mail.MessagesTo(t, email)) == 1
	})
	require.Equal(t, 1, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1 AND template = 'delayed_fulfillment'`, email))
	w.eventually(10*time.Second, "a catch-up run recorded as finished", func() bool {
		return w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'events' AND error IS NULL AND finished_at IS NOT NULL`) > 0
	})
	var stats struct {
		Webhooks struct{ Delivered, Dropped int } `json:"webhooks"`
	}
	w.simJSON("GET", "/_sim/stats", nil, &stats)
	require.Zero(t, stats.Webhooks.Delivered, "no webhook reached the app")
	require.Positive(t, stats.Webhooks.Dropped)
	w.requireServedOnce(email, 1)
}
