package store

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
)

// ReportReconProgress records what run id is doing and what it has counted
// so far, for the reconciliation page to show while it runs. A finished
// run is left alone.
func (s *Store) ReportReconProgress(ctx context.Context, id int64, phase string, apiCalls, objects int) error {
	const q = `
		UPDATE recon_runs SET phase = $2, api_calls = $3, objects_seen = $4
		WHERE id = $1 AND finished_at IS NULL`
	if _, err := s.db.ExecContext(ctx, q, id, phase, apiCalls, objects); err != nil {
		return fmt.Errorf("recon run %d progress: %w", id, mapErr(err))
	}
	return nil
}

// ReconRunPage is one page of every run, newest first: the runs older than
// run before (0 for the newest), at most limit.
func (s *Store) ReconRunPage(ctx context.Context, before int64, limit int) ([]ReconRun, error) {
	const q = `SELECT ` + reconRunColumns + ` FROM recon_runs
		WHERE $1 = 0 OR id < $1 ORDER BY id DESC LIMIT $2`
	return s.queryRuns(ctx, q, before, limit)
}

// ReconRunsSince lists the runs newer than run after, oldest first: the
// ones a Run now press started, for its progress.
func (s *Store) ReconRunsSince(ctx context.Context, after int64, limit int) ([]ReconRun, error) {
	const q = `SELECT ` + reconRunColumns + ` FROM recon_runs WHERE id > $1 ORDER BY id LIMIT $2`
	return s.queryRuns(ctx, q, after, limit)
}

// LatestReconRunID is the newest run's id, 0 when there is none.
func (s *Store) LatestReconRunID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, `SELECT coalesce(max(id), 0) FROM recon_runs`); err != nil {
		return 0, fmt.Errorf("latest recon run: %w", mapErr(err))
	}
	return id, nil
}

// ErrSweepRunning refuses a second sweep from the console while one runs
// or waits for a worker.
var ErrSweepRunning = apperr.New(apperr.Conflict,
	"A sweep is already running (or about to start), so nothing new was started. Its row below shows its progress; press Run now again once it has finished.")

// runNowLockKey serializes Run now presses, so two at once cannot both see
// no sweep and both queue one ("brunnow" in ASCII).
const runNowLockKey int64 = 0x6272756e6e6f77

// RequestSweep queues a sweep asked for from the console: enqueue inserts
// its job in the transaction that writes the audit entry a. It refuses
// with ErrSweepRunning, queueing nothing and auditing nothing, while a
// sweep holds the sweep lock (on any machine) or a sweep job waits for a
// worker. The lock stays what keeps one sweep at a time; this check is
// what lets the page say so instead of queueing a job that would find the
// lock taken and do nothing.
func (s *Store) RequestSweep(ctx context.Context, a staff.AuditEntry, enqueue func(tx *Tx) error) error {
	return s.requestRun(ctx, a, sweepBusy, ErrSweepRunning, enqueue)
}

// RunsBusy is what the runs page shows while it refreshes itself.
type RunsBusy struct {
	Sweep   bool `db:"sweep"`    // a sweep running or queued (see RequestSweep)
	CatchUp bool `db:"catch_up"` // a catch-up queued or running (see RequestCatchUp)
}

// ReadRunsBusy reports whether a sweep and a catch-up are running or
// queued, in one statement outside any transaction: the runs page asks
// every two seconds while one is.
func (s *Store) ReadRunsBusy(ctx context.Context) (RunsBusy, error) {
	var b RunsBusy
	q := `SELECT (` + sweepBusySQL + `) AS sweep, (` + catchUpBusySQL + `) AS catch_up`
	if err := s.db.GetContext(ctx, &b, q); err != nil {
		return RunsBusy{}, fmt.Errorf("are runs going: %w", mapErr(err))
	}
	return b, nil
}

// requestRun is a Run now press: under the Run now lock (so two presses
// are checked one after the other), it refuses with refused while busy
// says a run of that kind is in the way, and otherwise enqueues the job in
// the transaction that writes the audit entry a.
func (s *Store) requestRun(ctx context.Context, a staff.AuditEntry, busy func(context.Context, *Tx) (bool, error),
	refused error, enqueue func(tx *Tx) error) error {
	return s.Audited(ctx, func(tx *Tx) (staff.AuditEntry, error) {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, runNowLockKey); err != nil {
			return a, mapErr(err)
		}
		inTheWay, err := busy(ctx, tx)
		if err != nil {
			return a, err
		}
		if inTheWay {
			return a, refused
		}
		return a, enqueue(tx)
	})
}

// sweepBusy reports whether a sweep runs or waits (see runBusySQL).
func sweepBusy(ctx context.Context, tx *Tx) (bool, error) {
	var busy bool
	if err := tx.GetContext(ctx, &busy, `SELECT `+sweepBusySQL); err != nil {
		return false, fmt.Errorf("is a sweep running: %w", mapErr(err))
	}
	return busy, nil
}

// The runs' busy conditions, named for the jobs (jobs.SweepArgs,
// jobs.CatchUpArgs) and the locks their runs hold.
var (
	sweepBusySQL   = runBusySQL("recon_sweep", sweepLockKey)
	catchUpBusySQL = runBusySQL("event_catchup", catchUpLockKey)
)

// ErrCatchUpQueued refuses a catch-up from the console while one waits for
// a worker or runs: a second would find the catch-up lock taken and do
// nothing, and a second press means the first was not seen, so it is told.
var ErrCatchUpQueued = apperr.New(apperr.Conflict,
	"A catch-up is already queued or running, so nothing new was queued. Its row below shows it once a worker starts it.")

// RequestCatchUp queues a catch-up asked for from the console, as
// RequestSweep does a sweep: enqueue inserts its job in the transaction
// that writes the audit entry a. It refuses with ErrCatchUpQueued, queueing
// and auditing nothing, while a catch-up job is queued or running.
func (s *Store) RequestCatchUp(ctx context.Context, a staff.AuditEntry, enqueue func(tx *Tx) error) error {
	return s.requestRun(ctx, a, catchUpBusy, ErrCatchUpQueued, enqueue)
}

// catchUpBusy reports whether a catch-up, dry or not, runs or waits (see
// runBusySQL): one catch-up at a time is what the page shows.
func catchUpBusy(ctx context.Context, tx *Tx) (bool, error) {
	var busy bool
	if err := tx.GetContext(ctx, &busy, `SELECT `+catchUpBusySQL); err != nil {
		return false, fmt.Errorf("is a catch-up queued: %w", mapErr(err))
	}
	return busy, nil
}
