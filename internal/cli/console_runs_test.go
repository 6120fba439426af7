package cli

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// TestRunsPageListsRunsWithTheirCounts: a finished sweep shows its window,
// counts and who asked; a running one its phase and counts so far, in a
// table that refreshes itself while it runs and stops once none does.
func TestRunsPageListsRunsWithTheirCounts(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	from, to := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	done, err := s.store.StartReconRun(ctx, "sweep", false, "")
	require.NoError(t, err)
	require.NoError(t, s.store.FinishReconRun(ctx, store.ReconRun{ID: done, WindowFrom: &from, WindowTo: &to,
		APICalls: 7, ObjectsSeen: 312, Healed: 2, MismatchesOpened: 3, MismatchesResolved: 1}))

	b := s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	p := b.get(t, "/console/runs")
	require.Equal(t, http.StatusOK, p.status, p.body)
	rows := p.all("run-row")
	require.Len(t, rows, 1)
	cells := runCells(rows[0])
	assert.Equal(t, map[string]string{
		"run-window": "1 Dec 2026 09:00 UTC – 1 Dec 2026 10:00 UTC", "run-api-calls": "7", "run-objects": "312",
		"run-healed": "2", "run-opened": "3", "run-resolved": "1", "run-state": "Completed", "run-who": "the schedule",
	}, without(cells, "run-took"))
	assert.Empty(t, attrOf(p.all("runs-table")[0], "hx-trigger"), "nothing running: no polling")

	running, err := s.store.StartReconRun(ctx, "sweep", true, "ana@example.test")
	require.NoError(t, err)
	require.NoError(t, s.store.ReportReconProgress(ctx, running, "listing charges", 3, 250))
	p = b.get(t, "/console/runs/progress", "HX-Request", "true")
	require.Equal(t, http.StatusOK, p.status, p.body)
	table := p.all("runs-table")
	require.Len(t, table, 1)
	assert.Equal(t, "every 2s", attrOf(table[0], "hx-trigger"), "a run is going: the table refreshes itself")
	assert.Equal(t, "/console/runs/progress", attrOf(table[0], "hx-get"))
	rows = p.all("run-row")
	require.Len(t, rows, 2)
	cells = runCells(rows[0])
	assert.Equal(t, "Running: listing charges", cells["run-state"])
	assert.Equal(t, "3", cells["run-api-calls"])
	assert.Equal(t, "250", cells["run-objects"])
	assert.Equal(t, "ana@example.test", cells["run-who"])
	assert.Contains(t, textOf(rows[0]), "(dry run)")
}

// TestRunsRunNowQueuesOneSweepAndRefusesASecond: Run now queues one sweep
// job with its audit row and says so; pressed while a sweep holds the
// lock it says which sweep runs, and queues and audits nothing.
func TestRunsRunNowQueuesOneSweepAndRefusesASecond(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	b.get(t, "/console/runs")

	res := b.post(t, "/console/runs", url.Values{"dry_run": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	p := b.get(t, "/console/runs")
	assert.Contains(t, p.one(t, "flash"), "Sweep queued as a dry run")
	const jobs = `SELECT count(*) FROM river_job WHERE kind = 'recon_sweep'`
	const audits = `SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested'`
	require.Equal(t, 1, s.count(t, jobs))
	assert.Equal(t, 1, s.count(t, jobs+` AND args->>'requested_by' = 'ana@example.test' AND (args->>'dry_run')::bool`))
	assert.Equal(t, 1, s.count(t, audits+` AND actor = 'ana@example.test' AND target = 'recon:sweep' AND details->>'dry_run' = 'true'`))
	assert.Equal(t, "every 2s", attrOf(p.all("runs-table")[0], "hx-trigger"), "a sweep waits: the table refreshes itself")

	// A worker takes the job and the sweep runs, holding the lock.
	_, err := s.store.DB().Exec(`UPDATE river_job SET state = 'running', attempted_at = now() WHERE kind = 'recon_sweep'`)
	require.NoError(t, err)
	run, err := s.store.StartReconRun(ctx, "sweep", true, "ana@example.test")
	require.NoError(t, err)
	release, ok, err := s.store.TryLockSweep(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	defer release()
	var started time.Time
	require.NoError(t, s.store.DB().Get(&started, `SELECT started_at FROM recon_runs WHERE id = $1`, run))

	b.get(t, "/console/runs")
	res = b.post(t, "/console/runs", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	p = b.get(t, "/console/runs")
	assert.Equal(t, "A sweep is already running, started "+started.UTC().Format("15:04")+" UTC by ana@example.test; nothing was queued.",
		p.one(t, "flash"))
	assert.Equal(t, 1, s.count(t, jobs), "nothing queued")
	assert.Equal(t, 1, s.count(t, audits), "nothing audited")
}

// runCells is a run row's cells by their data-testid.
func runCells(row *html.Node) map[string]string {
	out := map[string]string{}
	for c := row.FirstChild; c != nil; c = c.NextSibling {
		if id := attrOf(c, "data-testid"); c.Type == html.ElementNode && id != "" {
			out[id] = textOf(c)
		}
	}
	return out
}

func without(m map[string]string, key string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// TestRunsPagesOlderRuns: 25 runs a page, and Older shows the rest.
func TestRunsPagesOlderRuns(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	for range 27 {
		id, err := s.store.StartReconRun(ctx, "events", false, "")
		require.NoError(t, err)
		require.NoError(t, s.store.FinishReconRun(ctx, store.ReconRun{ID: id}))
	}
	b := s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	p := b.get(t, "/console/runs")
	seen := map[string]bool{}
	for _, r := range p.all("run-row") {
		seen[attrOf(r, "data-run")] = true
	}
	assert.Len(t, seen, 25)
	older := p.all("runs-older")
	require.Len(t, older, 1)
	p = b.get(t, attrOf(older[0], "href"))
	require.Equal(t, http.StatusOK, p.status, p.body)
	rows := p.all("run-row")
	require.Len(t, rows, 2)
	for _, r := range rows {
		assert.False(t, seen[attrOf(r, "data-run")], "no run twice")
	}
	assert.Empty(t, p.all("runs-older"), "the last page")
	assert.Equal(t, http.StatusBadRequest, b.get(t, "/console/runs?before=x").status)
}
