package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
	"github.com/backstophq/backstop/internal/fault"
)

// TestReconcileCommand drives `backstop reconcile` and `backstop mismatches`
// as an operator would: a sweep killed at sweep.mid_page is simply run
// again and serves everyone once; a sweep while another holds the lock says
// so and exits non-zero; the JSON has exactly the fields of DESIGN §12.
func TestReconcileCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_GRACE=1ms"}
	for _, email := range []string{"cmd1@example.test", "cmd2@example.test", ""} {
		w.simJSON("POST", "/_sim/payments", map[string]any{
			"email": email, "amount": 24900, "currency": "usd", "metadata": map[string]string{"plan": "pro-yearly"},
		}, nil)
	}
	time.Sleep(1100 * time.Millisecond) // older than the grace, at the processor's one-second resolution

	crashed := e2e.Start(t, w.bin, []string{"reconcile", "--json"}, w.env(fault.SweepMidPage))
	require.True(t, crashed.KilledBySIGKILL(30*time.Second), "reconcile should die at %s:\n%s", fault.SweepMidPage, crashed.Output())
	require.Zero(t, w.count(`SELECT count(*) FROM orders`))

	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop("reconcile", "--json")), &res))
	require.ElementsMatch(t, []string{"run_id", "window_from", "window_to", "api_calls", "objects_seen", "healed",
		"mismatches_opened", "mismatches_updated", "mismatches_resolved", "by_kind", "dry_run", "duration_ms"}, jsonKeys(res))
	require.EqualValues(t, 2, res["healed"])
	require.EqualValues(t, 1, res["mismatches_opened"])
	require.Equal(t, 1, w.count(`SELECT count(*) FROM recon_runs WHERE error LIKE 'interrupted%'`), "the killed run is marked")
	require.Equal(t, 2, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled' AND fulfilled_via = 'sweep'`))

	var again map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop("reconcile", "--json", "--dry-run")), &again))
	require.EqualValues(t, 0, again["healed"])
	require.Equal(t, true, again["dry_run"])

	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop("mismatches", "--status", "open", "--json")), &rows))
	require.Len(t, rows, 1)
	require.ElementsMatch(t, []string{"id", "kind", "status", "email", "order_id", "payment_intent_id", "charge_id",
		"amount", "currency", "detected_at", "resolved_at", "resolution"}, jsonKeys(rows[0]))
	require.Equal(t, "identity_unknown", rows[0]["kind"])

	conn, err := w.db.Conn(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(context.Background(), `SELECT pg_advisory_lock(x'627377656570'::bigint)`)
	require.NoError(t, err)
	busy := e2e.Start(t, w.bin, []string{"reconcile"}, w.env(""))
	ws, err := busy.WaitExit(30 * time.Second)
	require.NoError(t, err)
	require.NotEqual(t, 0, ws.ExitStatus())
	require.True(t, strings.Contains(busy.Output(), "another sweep is running"), busy.Output())
}

func jsonKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestServeSweepsOnSchedule: `backstop serve` runs the sweep as a River
// periodic job. With webhooks dropped and catch-up far off, a payment made
// after start is served by the sweep within a couple of intervals.
func TestServeSweepsOnSchedule(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_GRACE=1ms", "RECON_SWEEP_INTERVAL=2s", "RECON_EVENTS_INTERVAL=1h"}
	w.simFaults("drop")
	w.startApp("")
	w.eventually(20*time.Second, "the first sweep at start", func() bool {
		return w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'sweep' AND finished_at IS NOT NULL`) >= 1
	})
	w.simJSON("POST", "/_sim/payments", map[string]any{
		"email": "scheduled@example.test", "amount": 24900, "currency": "usd", "metadata": map[string]string{"plan": "pro-yearly"},
	}, nil)
	w.eventually(30*time.Second, "the sweep serves the payment", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = 'scheduled@example.test' AND fulfilled_via = 'sweep'`) == 1
	})
	require.Zero(t, w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'sweep' AND error IS NOT NULL`))
	require.GreaterOrEqual(t, w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'sweep'`), 2)
}
