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

// TestCatchUpDryRunHoldsBackNoRealRun: a dry run waiting for a worker does
// not make River skip the schedule's real catch-up (which repairs missed
// webhooks), while real runs stay one at a time, a real Run now joining the
// schedule's, and dry runs too.
func TestCatchUpDryRunHoldsBackNoRealRun(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	insert := func(args jobs.CatchUpArgs) bool {
		t.Helper()
		res, err := s.jobs.Insert(ctx, args, nil)
		require.NoError(t, err)
		return !res.UniqueSkippedAsDuplicate
	}
	require.True(t, insert(jobs.CatchUpArgs{DryRun: true, RequestedBy: "ana@example.test"}), "the dry run is queued")
	require.True(t, insert(jobs.CatchUpArgs{}), "the schedule's real run is queued beside it")
	require.False(t, insert(jobs.CatchUpArgs{}), "a second real run is skipped")
	require.False(t, insert(jobs.CatchUpArgs{RequestedBy: "bo@example.test"}), "a real Run now joins the schedule's")
	require.False(t, insert(jobs.CatchUpArgs{DryRun: true, RequestedBy: "bo@example.test"}), "a second dry run is skipped")
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'event_catchup'`))
}
