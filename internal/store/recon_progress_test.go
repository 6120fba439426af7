package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// TestReconProgressIsShownUntilTheRunFinishes: a running run's counts and
// phase are readable while it runs; finishing clears the phase and a late
// progress write cannot overwrite the final counts.
func TestReconProgressIsShownUntilTheRunFinishes(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	id, err := s.StartReconRun(ctx, "sweep", false, "ana@example.com")
	require.NoError(t, err)
	require.NoError(t, s.ReportReconProgress(ctx, id, "listing charges", 3, 250))
	runs, err := s.ReconRunPage(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.Equal(t, "listing charges", runs[0].Phase)
	assert.Equal(t, 3, runs[0].APICalls)
	assert.Equal(t, 250, runs[0].ObjectsSeen)
	assert.Equal(t, "ana@example.com", runs[0].RequestedBy)

	require.NoError(t, s.FinishReconRun(ctx, store.ReconRun{ID: id, APICalls: 5, ObjectsSeen: 300}))
	require.NoError(t, s.ReportReconProgress(ctx, id, "listing disputes", 4, 260))
	runs, err = s.ReconRunPage(ctx, 0, 10)
	require.NoError(t, err)
	assert.Equal(t, "", runs[0].Phase)
	assert.Equal(t, 5, runs[0].APICalls, "a finished run keeps its final counts")
}

// TestReconRunPageIsKeyset: each page holds the runs older than the last
// one of the page before, none twice.
func TestReconRunPageIsKeyset(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	var ids []int64
	for range 5 {
		id, err := s.StartReconRun(ctx, "events", false, "")
		require.NoError(t, err)
		ids = append(ids, id)
	}
	first, err := s.ReconRunPage(ctx, 0, 2)
	require.NoError(t, err)
	second, err := s.ReconRunPage(ctx, first[1].ID, 2)
	require.NoError(t, err)
	third, err := s.ReconRunPage(ctx, second[1].ID, 2)
	require.NoError(t, err)
	got := []int64{}
	for _, p := range [][]store.ReconRun{first, second, third} {
		for _, r := range p {
			got = append(got, r.ID)
		}
	}
	assert.Equal(t, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}, got)
}

// TestRequestSweepRefusesWhileTheSweepLockIsHeld: while a sweep holds the
// lock, a Run now press is refused in words, queues nothing and audits
// nothing; once it is released the press goes through with its audit row.
func TestRequestSweepRefusesWhileTheSweepLockIsHeld(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	a := staff.AuditEntry{Actor: "ana@example.com", Action: "recon.run_requested", Target: "recon:sweep"}
	queued := 0
	enqueue := func(tx *store.Tx) error { queued++; return nil }

	release, ok, err := s.TryLockSweep(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	err = s.RequestSweep(ctx, a, enqueue)
	require.ErrorIs(t, err, store.ErrSweepRunning)
	assert.True(t, apperr.Is(err, apperr.Conflict))
	assert.Contains(t, apperr.SafeMessage(err, ""), "A sweep is already running")
	assert.Equal(t, 0, queued)
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested'`))

	release()
	require.NoError(t, s.RequestSweep(ctx, a, enqueue))
	assert.Equal(t, 1, queued)
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested'`))
}

// TestRequestSweepRefusesWhileASweepJobWaits: a sweep job not yet picked
// up by a worker counts as running, so two presses queue one sweep.
func TestRequestSweepRefusesWhileASweepJobWaits(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	a := staff.AuditEntry{Actor: "ana@example.com", Action: "recon.run_requested", Target: "recon:sweep"}
	insertJob := func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO river_job (kind, args, max_attempts, state, queue) VALUES ('recon_sweep', '{}', 1, 'available', 'default')`)
		return err
	}
	require.NoError(t, s.RequestSweep(ctx, a, insertJob))
	require.ErrorIs(t, s.RequestSweep(ctx, a, insertJob), store.ErrSweepRunning)
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM river_job WHERE kind = 'recon_sweep'`))
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested'`))
}

// TestSweepJobJustStartedIsBusy: a sweep job a worker took a moment ago,
// before the sweep holds its lock, still counts as running (so the runs
// page keeps refreshing); one left "running" long ago by a dead process
// does not block Run now.
func TestSweepJobJustStartedIsBusy(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().Exec(`INSERT INTO river_job (kind, args, max_attempts, state, queue, attempted_at, attempt)
		VALUES ('recon_sweep', '{}', 1, 'running', 'default', now(), 1)`)
	require.NoError(t, err)
	busy, err := s.ReadRunsBusy(ctx)
	require.NoError(t, err)
	assert.Equal(t, store.RunsBusy{Sweep: true}, busy, "taken by a worker a moment ago")

	_, err = s.DB().Exec(`UPDATE river_job SET attempted_at = now() - interval '40 minutes'`)
	require.NoError(t, err)
	busy, err = s.ReadRunsBusy(ctx)
	require.NoError(t, err)
	assert.Equal(t, store.RunsBusy{}, busy, "left running by a dead process")
}

// TestRequestCatchUpRefusesWhileACatchUpIsQueuedOrRunning: a catch-up job
// waiting or running refuses a second press in words, queueing and
// auditing nothing; a finished one does not; an enqueue that reports a
// duplicate rolls its audit entry back; and a waiting sweep is no
// catch-up's business.
func TestRequestCatchUpRefusesWhileACatchUpIsQueuedOrRunning(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	a := staff.AuditEntry{Actor: "ana@example.com", Action: "recon.run_requested", Target: "recon:events"}
	const audits = `SELECT count(*) FROM audit_log WHERE action = 'recon.run_requested'`
	const jobs = `SELECT count(*) FROM river_job WHERE kind = 'event_catchup'`
	insertJob := func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO river_job (kind, args, max_attempts, state, queue) VALUES ('event_catchup', '{}', 1, 'available', 'default')`)
		return err
	}
	sweep := func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO river_job (kind, args, max_attempts, state, queue) VALUES ('recon_sweep', '{}', 1, 'available', 'default')`)
		return err
	}
	require.NoError(t, s.RequestSweep(ctx, a, sweep))
	require.NoError(t, s.RequestCatchUp(ctx, a, insertJob), "a waiting sweep does not block a catch-up")
	for _, state := range []string{"available", "running"} {
		_, err := s.DB().Exec(`UPDATE river_job SET state = $1, attempted_at = now() WHERE kind = 'event_catchup'`, state)
		require.NoError(t, err)
		err = s.RequestCatchUp(ctx, a, insertJob)
		require.ErrorIs(t, err, store.ErrCatchUpQueued, state)
		assert.Contains(t, apperr.SafeMessage(err, ""), "A catch-up is already queued or running")
		busy, err := s.ReadRunsBusy(ctx)
		require.NoError(t, err)
		assert.Equal(t, store.RunsBusy{Sweep: true, CatchUp: true}, busy, state)
	}
	assert.Equal(t, 1, count(t, s, jobs))
	assert.Equal(t, 2, count(t, s, audits))

	require.ErrorIs(t, s.RequestCatchUp(ctx, a, func(*store.Tx) error { return nil }), store.ErrCatchUpQueued)
	_, err := s.DB().Exec(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE kind = 'event_catchup'`)
	require.NoError(t, err)
	require.ErrorIs(t, s.RequestCatchUp(ctx, a, func(*store.Tx) error { return store.ErrCatchUpQueued }), store.ErrCatchUpQueued)
	assert.Equal(t, 2, count(t, s, audits), "a duplicate River skipped is not audited")
	require.NoError(t, s.RequestCatchUp(ctx, a, insertJob), "once it finished, Run now queues again")
	assert.Equal(t, 2, count(t, s, jobs))
	assert.Equal(t, 3, count(t, s, audits))
}

// TestSweepLockOfAnotherDatabaseIsNotOurs: two Backstops on one server
// (staging and production, say) each have their own sweep lock, as
// PostgreSQL scopes advisory locks to a database: one's sweep never makes
// the other's Run now say a sweep is running.
func TestSweepLockOfAnotherDatabaseIsNotOurs(t *testing.T) {
	t.Parallel()
	ours, ctx := setup(t)
	theirs, _ := setup(t)
	release, ok, err := theirs.TryLockSweep(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	defer release()
	busy, err := theirs.ReadRunsBusy(ctx)
	require.NoError(t, err)
	assert.True(t, busy.Sweep, "their own sweep")
	busy, err = ours.ReadRunsBusy(ctx)
	require.NoError(t, err)
	assert.False(t, busy.Sweep, "another database's sweep")
}
