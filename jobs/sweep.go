package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/recon"
)

// SweepArgs asks for one reconciliation sweep.
//
// It is deliberately not unique. River's unique jobs always count the
// running state, and a sweep job whose process was killed stays "running"
// until River's rescuer gives up on it, which for a job of this timeout is
// 30 minutes: a unique sweep would block every later sweep, on every
// machine, for that long. The sweep's own advisory lock is what keeps one
// sweep at a time; an extra job finds it taken and ends at once, and a run
// that held it cancels the jobs that died (cancelDead).
type SweepArgs struct {
	// DryRun and RequestedBy come from the console's Run now; the
	// schedule's sweep leaves both empty.
	DryRun      bool   `json:"dry_run,omitempty"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// Kind names the job in river_job.
func (SweepArgs) Kind() string { return "recon_sweep" }

// InsertOpts runs each sweep once: a failed sweep is recorded and alerted
// on, and the next period is the retry (its window covers the gap).
func (SweepArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// sweepTimeout bounds one sweep: a large window at the processor's rate
// limit takes minutes, far beyond the client's default job timeout.
const sweepTimeout = 30 * time.Minute

// SweepWorker runs the sweep.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Sweeper *recon.Sweeper
	Logger  *slog.Logger
}

// Timeout overrides the client's short default for this job.
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return sweepTimeout }

// Work runs one sweep; "another sweep is running" is success. A run that
// held the sweep lock then lets River finish the sweep jobs that died with
// their process (see cancelDead).
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	res, err := w.Sweeper.Run(ctx, recon.SweepOptions{DryRun: job.Args.DryRun, RequestedBy: job.Args.RequestedBy})
	if errors.Is(err, recon.ErrBusy) {
		return nil
	}
	if res.RunID != 0 {
		cancelDead(ctx, w.Logger, job.JobRow)
	}
	return err
}

// SweepPeriodic schedules a sweep every interval, and one at start.
func SweepPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "recon_sweep"})
}
