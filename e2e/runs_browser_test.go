package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestRunsBrowserRunNow is a support person on /console/runs, in chromium
// against `backstop serve`: two payments reached the processor with no
// order of ours. With the processor slowed so a sweep lasts seconds, Run
// now queues one sweep, whose row shows it running; a second press while
// it runs says a sweep is already running and queues nothing. Once the
// processor is quick again the row, refreshing itself, shows the finished
// sweep's counts, the two payments healed. Then Run now with Catch-up and
// Dry run: its row appears marked dry run, saying what it would do.
func TestRunsBrowserRunNow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1h", "RECON_SWEEP_INTERVAL=1h", "RECON_GRACE=1ms"}
	w.startApp("")
	// The schedule's first catch-up and sweep have run; the next are an
	// hour away, so every run from here on is one the page asked for.
	w.eventually(30*time.Second, "the first catch-up and sweep runs finished", func() bool {
		return w.count(`SELECT count(DISTINCT kind) FROM recon_runs WHERE kind IN ('events', 'sweep') AND finished_at IS NOT NULL`) == 2
	})
	w.simFaults("drop") // lost webhooks: the payments are the sweep's to find
	created := time.Now()
	for _, email := range []string{"orphan1@example.test", "orphan2@example.test"} {
		w.simJSON(http.MethodPost, "/_sim/payments", map[string]any{"email": email, "amount": 24900, "currency": "usd",
			"metadata": map[string]string{"plan": "pro-yearly"}}, nil)
	}
	password := w.staffLogin("ana@shop.test", "support")

	ctx := e2e.Browser(t, 1100, 900, 2*time.Minute)
	require.NoError(t, chromedp.Run(ctx,
		w.signIn("ana@shop.test", password),
		chromedp.Navigate(w.appURL("/console/runs")),
		chromedp.WaitVisible(`[data-testid="run-now-form"]`, chromedp.ByQuery),
	), "sign in and open the runs page")
	// The payments must be older than the grace at the processor's
	// one-second resolution, or the sweep leaves them to the webhook.
	time.Sleep(time.Until(created.Add(1100 * time.Millisecond)))
	// Every processor call now takes 1.5 s: a sweep makes at least seven.
	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"api_latency_ms": 1500}, nil)

	var flash string
	require.NoError(t, chromedp.Run(ctx,
		press(`[data-testid="action-run-now"]`),
		acrossNavigation(waitText("flash", "Sweep queued.", &flash)),
		newestRun("sweep", `r.querySelector('[data-testid="run-who"]').textContent.trim() === "ana@shop.test"
			&& r.querySelector('[data-testid="run-state"]').textContent.trim().startsWith("Running")`),
	), "Run now: the sweep's row shows it running")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'sweep' AND finished_at IS NULL`), "the sweep is still running")

	require.NoError(t, chromedp.Run(ctx,
		htmxReady(`[data-testid="run-now-form"]`),
		press(`[data-testid="action-run-now"]`),
		acrossNavigation(waitText("flash", "A sweep is already running", &flash)),
	), "a second press while it runs")
	assert.Regexp(t, `^A sweep is already running, started \d\d:\d\d UTC by ana@shop\.test; nothing was queued\.$`, flash)
	require.Equal(t, 1, w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'sweep' AND finished_at IS NULL`), "the sweep was still running when told")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested' AND target = 'recon:sweep'`), "the refused press is not audited")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM river_job WHERE kind = 'recon_sweep' AND args->>'requested_by' = 'ana@shop.test'`), "nor queued")

	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"api_latency_ms": 0}, nil)
	cells := map[string]string{}
	require.NoError(t, chromedp.Run(ctx,
		newestRun("sweep", `r.querySelector('[data-testid="run-state"]').textContent.trim() === "Completed"`),
		chromedp.Evaluate(`(() => { const r = document.querySelector('[data-testid="run-row"][data-kind="sweep"]'); const out = {};
			r.querySelectorAll('[data-testid]').forEach(c => out[c.dataset.testid] = c.textContent.trim()); return out; })()`, &cells),
	), "the row, refreshing itself, shows the finished sweep")
	var run struct {
		APICalls int `db:"api_calls"`
		Objects  int `db:"objects_seen"`
		Healed   int `db:"healed"`
		Opened   int `db:"mismatches_opened"`
	}
	require.NoError(t, w.db.Get(&run, `SELECT api_calls, objects_seen, healed, mismatches_opened FROM recon_runs
		WHERE kind = 'sweep' AND requested_by = 'ana@shop.test'`))
	assert.Equal(t, 2, run.Healed, "both payments were served")
	assert.Positive(t, run.Objects)
	assert.Equal(t, strconv.Itoa(run.APICalls), cells["run-api-calls"])
	assert.Equal(t, strconv.Itoa(run.Objects), cells["run-objects"])
	assert.Equal(t, "2", cells["run-healed"])
	assert.Equal(t, strconv.Itoa(run.Opened), cells["run-opened"])
	assert.Equal(t, "ana@shop.test", cells["run-who"])
	require.Equal(t, 2, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled' AND fulfilled_via = 'sweep'`))

	require.NoError(t, chromedp.Run(ctx,
		htmxReady(`[data-testid="run-now-form"]`),
		chromedp.Click(`[data-testid="run-now-kind-events"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="run-now-dry"]`, chromedp.ByQuery),
		press(`[data-testid="action-run-now"]`),
		acrossNavigation(waitText("flash", "Catch-up queued as a dry run", &flash)),
		newestRun("events", `r.textContent.includes("catch-up (dry run)")
			&& r.querySelector('[data-testid="run-state"]').textContent.trim().startsWith("Dry run: of ")`),
		chromedp.Text(`[data-testid="run-row"][data-kind="events"] [data-testid="run-state"]`, &flash, chromedp.ByQuery),
	), "Run now, catch-up, dry run: its row appears, marked dry run")
	assert.Regexp(t, `^Dry run: of \d+ events listed, \d+ are new and would be handled; \d+ stored failures are due for a retry; nothing was changed$`, flash)
	require.Equal(t, 1, w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'events' AND dry_run AND requested_by = 'ana@shop.test' AND finished_at IS NOT NULL`))
	require.Equal(t, 1, w.count(`SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested' AND target = 'recon:events' AND details->>'dry_run' = 'true'`))
}

// newestRun waits until the newest run row of kind on the page meets cond,
// a script expression over the row r.
func newestRun(kind, cond string) chromedp.Action {
	js := fmt.Sprintf(`(() => { const r = document.querySelector('[data-testid="run-row"][data-kind="%s"]'); return !!r && (%s); })()`, kind, cond)
	return chromedp.Poll(js, nil, chromedp.WithPollingTimeout(45*time.Second))
}

// acrossNavigation runs a, again when the page navigated away under it: a
// press answered with HX-Redirect loads the page anew a moment later, and
// a poll of the old page dies with it.
func acrossNavigation(a chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for attempt := 0; ; attempt++ {
			err := a.Do(ctx)
			if err == nil || attempt == 20 || !strings.Contains(err.Error(), "navigated or closed") {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
