package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestIncidentAfterOutage: serve takes 30 checkouts (29 customers, one of
// them twice), is killed and kept down, and all 30 are paid at the
// simulator with webhooks dropped. `backstop incident plan --json` lists
// exactly those 30 to provision and changes nothing; `incident run --json`
// serves all 30 once (fulfilled_via incident) and Mailpit receives one
// apology per customer (29: the customer with two payments gets one); a
// second run does nothing; serve restarted (its catch-up replays the
// dropped events) grants nothing more and delivers the apologies.
func TestIncidentAfterOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1h", "RECON_SWEEP_INTERVAL=1h", "RECON_GRACE=2h"}
	from := time.Now().UTC().Add(-time.Second).Truncate(time.Second)
	app := w.startApp("")
	var sessions []string
	for i := range 29 {
		sessions = append(sessions, w.checkout(fmt.Sprintf("cust%02d@example.test", i), formToken()))
	}
	sessions = append(sessions, w.checkout("cust00@example.test", formToken()))
	w.simFaults("drop")
	require.NoError(t, app.Signal(syscall.SIGKILL))
	require.True(t, app.KilledBySIGKILL(10*time.Second))
	for _, s := range sessions {
		w.pay(s)
	}
	to := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
	window := []string{"--from", from.Format(time.RFC3339), "--to", to.Format(time.RFC3339), "--json"}
	require.Zero(t, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled'`))

	var plan map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop(append([]string{"incident", "plan"}, window...)...)), &plan))
	require.ElementsMatch(t, []string{"window_from", "window_to", "payments", "by_action"}, jsonKeys(plan))
	require.EqualValues(t, 30, plan["payments"])
	byAction := plan["by_action"].(map[string]any)
	require.Equal(t, map[string]any{"count": 30.0, "amount": 30 * 24900.0}, byAction["provision"])
	require.Zero(t, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled'`), "the plan changes nothing")
	require.Zero(t, w.count(`SELECT count(*) FROM email_messages`), "the plan emails nobody")

	var ran map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop(append([]string{"incident", "run"}, window...)...)), &ran))
	require.Equal(t, map[string]any{"count": 30.0, "amount": 30 * 24900.0, "done": 30.0}, ran["by_action"].(map[string]any)["provision"])
	if w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled' AND fulfilled_via = 'incident'`) != 30 {
		// Seen once (29, under a full make test as an ordinary user) and
		// not reproduced since: say what each order and payment became.
		w.logRows(`SELECT o.id, o.email, o.status, o.fulfilled_via, o.checkout_session_id, o.payment_intent_id,
			ip.payment_intent_id AS incident_payment, ip.order_id AS staged_order, ip.public_ref AS staged_ref,
			ip.session_id AS staged_session, ip.outcome
			FROM orders o FULL JOIN (SELECT * FROM incident_payments WHERE incident_id = (SELECT max(id) FROM incidents)) ip
				ON ip.order_id = o.id
			ORDER BY o.id`)
		w.logRows(`SELECT kind, subject, status FROM mismatches`)
	}
	require.Equal(t, 30, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled' AND fulfilled_via = 'incident'`))
	require.Equal(t, 30, w.count(`SELECT count(DISTINCT payment_intent_id) FROM orders WHERE fulfilled_via = 'incident'`))
	grants := w.count(`SELECT count(*) FROM entitlement_grants`)
	t.Logf("entitlement grants after the run: %d", grants)
	apologies := func() map[string]int {
		by := map[string]int{}
		for _, m := range w.mail.Messages(t) {
			if strings.HasPrefix(m.Subject, "We are sorry") {
				by[m.To[0].Address]++
			}
		}
		return by
	}
	require.Equal(t, 29, w.count(`SELECT count(*) FROM email_messages WHERE template = 'incident_apology'`))

	var again map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop(append([]string{"incident", "run"}, window...)...)), &again))
	require.Equal(t, map[string]any{"count": 0.0, "amount": 0.0, "done": 0.0}, again["by_action"].(map[string]any)["provision"])
	require.EqualValues(t, 30, again["by_action"].(map[string]any)["nothing"].(map[string]any)["count"])

	w.startApp("")
	w.eventually(30*time.Second, "catch-up replayed the dropped events", func() bool {
		return w.count(`SELECT count(*) FROM processor_events WHERE processed_at IS NOT NULL`) > 0
	})
	require.Equal(t, grants, w.count(`SELECT count(*) FROM entitlement_grants`), "no second grant")
	// serve delivers what the run queued (the command stops its workers
	// once the run is finished).
	w.eventually(60*time.Second, "29 apologies delivered", func() bool { return len(apologies()) == 29 })
	for addr, n := range apologies() {
		require.Equal(t, 1, n, addr)
	}
	require.Equal(t, 29, w.count(`SELECT count(*) FROM email_messages WHERE template = 'incident_apology'`))
}
