package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFaultSMTPDown: the SMTP server stops while customers buy, then comes
// back. Every customer is served meanwhile; their confirmations wait in
// the outbox and are retried; /readyz says mail is failing; when Mailpit
// is back each customer has exactly one confirmation, ops have one alert
// and one recovery notice, and the checker finds nothing.
func TestFaultSMTPDown(t *testing.T) {
	t.Parallel()
	start := time.Now()
	w := faultWorld(t, worldOptions{})
	w.startApp("")
	w.waitCalm(30 * time.Second)

	w.mail.Stop(t)
	customers := make([]string, 4)
	for i := range customers {
		customers[i] = fmt.Sprintf("mailless%d-%s@example.test", i, randHex(3))
		w.buy(customers[i])
	}
	body := w.waitReadyz(30*time.Second, "trouble: outgoing mail: ")
	t.Logf("/readyz while Mailpit is down: %s", body)
	w.waitReadyz(30*time.Second, "alert: outgoing mail: ")
	require.Equal(t, 4, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled'`), "customers are served without mail")
	waiting := w.count(`SELECT count(*) FROM email_messages WHERE status = 'queued' AND last_error IS NOT NULL`)
	t.Logf("%d emails waiting after a failed attempt", waiting)
	require.GreaterOrEqual(t, waiting, 4)

	w.mail.Start(t)
	w.requireOneAlertAndRecovery(90*time.Second, "outgoing mail")
	w.waitCalm(30 * time.Second)
	for _, c := range customers {
		require.Len(t, w.mail.MessagesTo(t, c), 1, "one confirmation for %s", c)
	}
	require.Zero(t, w.count(`SELECT count(*) FROM email_messages WHERE status <> 'sent'`), "no email lost")
	var attempts int
	require.NoError(t, w.db.Get(&attempts, `SELECT max(attempts) FROM email_messages`))
	t.Logf("most attempts for one email: %d", attempts)
	w.finishClean(60 * time.Second)
	t.Logf("wall time %s", time.Since(start).Round(time.Second))
}
