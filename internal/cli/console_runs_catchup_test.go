package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/jobs"
)

// TestRunsRunNowCatchUpDryRun: Run now with Catch-up and Dry run queues the
// schedule's own catch-up job, marked dry and with who asked, and its audit
// row; a second press while it waits says so and queues and audits nothing.
// Worked, the dry run counts the paid checkout's events as new yet changes
// nothing (no event stored, no cursor, the order still pending), and its
// row says so; the real catch-up after it handles what it counted.
func TestRunsRunNowCatchUpDryRun(t *testing.T) {
	t.Parallel()
	s := newTestStackWith(t, func(c *config.Config) { c.ReconLookback = time.Hour })
	ctx := context.Background()
	order, _ := s.paidOrder(t, "lost-webhook@example.test")
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	b.get(t, "/console/runs")

	res := b.post(t, "/console/runs", url.Values{"kind": {"events"}, "dry_run": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	p := b.get(t, "/console/runs")
	assert.Contains(t, p.one(t, "flash"), "Catch-up queued as a dry run")
	const jobsQ = `SELECT count(*) FROM river_job WHERE kind = 'event_catchup'`
	const audits = `SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested'`
	require.Equal(t, 1, s.count(t, jobsQ))
	assert.Equal(t, 1, s.count(t, jobsQ+` AND args->>'requested_by' = 'ana@example.test' AND (args->>'dry_run')::bool`))
	assert.Equal(t, 1, s.count(t, audits+` AND actor = 'ana@example.test' AND target = 'recon:events' AND details->>'dry_run' = 'true'`))
	assert.Equal(t, "every 2s", attrOf(p.all("runs-table")[0], "hx-trigger"), "a catch-up waits: the table refreshes itself")

	res = b.post(t, "/console/runs", url.Values{"kind": {"events"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	p = b.get(t, "/console/runs")
	assert.Equal(t, "A catch-up is already waiting for a worker to start it; nothing was queued.", p.one(t, "flash"))
	assert.Equal(t, 1, s.count(t, jobsQ), "nothing queued")
	assert.Equal(t, 1, s.count(t, audits), "nothing audited")

	var args jobs.CatchUpArgs
	var raw []byte
	require.NoError(t, s.store.DB().Get(&raw, `SELECT args FROM river_job WHERE kind = 'event_catchup'`))
	require.NoError(t, json.Unmarshal(raw, &args))
	w := &jobs.CatchUpWorker{CatchUp: s.catchUp}
	require.NoError(t, w.Work(ctx, &river.Job[jobs.CatchUpArgs]{Args: args}))
	assert.Zero(t, s.count(t, `SELECT count(*) FROM processor_events`), "a dry run stores no event")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM recon_state WHERE name = 'events_cursor'`), "nor a cursor")
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE id = $1 AND status = 'pending'`, order.ID), "nor serves the order")

	p = b.get(t, "/console/runs")
	rows := p.all("run-row")
	require.Len(t, rows, 1)
	assert.Equal(t, "events", attrOf(rows[0], "data-kind"))
	cells := runCells(rows[0])
	assert.Contains(t, textOf(rows[0]), "catch-up (dry run)")
	assert.Equal(t, "ana@example.test", cells["run-who"])
	healed := cells["run-healed"]
	assert.NotEqual(t, "0", healed, "the paid checkout's events are new to us")
	assert.Regexp(t, `^Dry run: of \d+ events listed, `+healed+` are new and would be handled; 0 stored failures are due for a retry; nothing was changed$`, cells["run-state"])

	real, err := s.catchUp.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, healed, strconv.Itoa(real.Healed), "the real run handles what the dry run counted")
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE id = $1 AND fulfilled_via = 'event_catchup'`, order.ID))
}

// TestCatchUpOneAtATime: while another catch-up holds the catch-up lock
// (on any machine), a catch-up job ends at once, recording no run, and the
// runs page counts the catch-up as busy; once the lock is free the next
// job runs.
func TestCatchUpOneAtATime(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	const runs = `SELECT count(*) FROM recon_runs WHERE kind = 'events'`
	w := &jobs.CatchUpWorker{CatchUp: s.catchUp}

	release, ok, err := s.store.TryLockCatchUp(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	busy, err := s.store.ReadRunsBusy(ctx)
	require.NoError(t, err)
	assert.True(t, busy.CatchUp, "a catch-up holding the lock is busy with no job in River")
	assert.False(t, busy.Sweep)
	require.NoError(t, w.Work(ctx, &river.Job[jobs.CatchUpArgs]{JobRow: &rivertype.JobRow{ID: 1}}), "busy is not a failure")
	assert.Zero(t, s.count(t, runs), "the second catch-up ran nothing")

	release()
	require.NoError(t, w.Work(ctx, &river.Job[jobs.CatchUpArgs]{JobRow: &rivertype.JobRow{ID: 2}}))
	assert.Equal(t, 1, s.count(t, runs), "with the lock free the catch-up runs")
}

// TestCatchUpAfterItsProcessDied: a process killed while its catch-up ran
// leaves that job "running" in River's table. The restarted process's
// start-up catch-up still runs at once (a unique job would be skipped as
// the dead one's duplicate until River's rescuer came by, and then wait
// for the next interval, an hour here), repairs the webhook the crash
// missed, and has River cancel the dead job.
func TestCatchUpAfterItsProcessDied(t *testing.T) {
	t.Parallel()
	s := newTestStackMode(t, func(c *config.Config) {
		c.ReconLookback, c.ReconEventsInterval, c.ReconSweepInterval = time.Hour, time.Hour, time.Hour
	}, jobsAll)
	ctx := context.Background()
	order, _ := s.paidOrder(t, "crashed-mid-catch-up@example.test")
	res, err := s.jobs.Insert(ctx, jobs.CatchUpArgs{}, nil)
	require.NoError(t, err)
	dead := res.Job.ID
	_, err = s.store.DB().Exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '5 seconds'
		WHERE id = $1`, dead)
	require.NoError(t, err)

	require.NoError(t, s.jobs.Start(ctx))
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.jobs.Stop(stopCtx)
	})
	served := `SELECT count(*) FROM orders WHERE id = $1 AND fulfilled_via = 'event_catchup'`
	require.Eventually(t, func() bool { return s.count(t, served, order.ID) == 1 }, 20*time.Second, 100*time.Millisecond,
		"the start-up catch-up repaired the missed webhook")
	require.Eventually(t, func() bool {
		return s.count(t, `SELECT count(*) FROM river_job WHERE id = $1 AND metadata ? 'cancel_attempted_at'`, dead) == 1
	}, 10*time.Second, 100*time.Millisecond, "the dead job is cancelled")
}
