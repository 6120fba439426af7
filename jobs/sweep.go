package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/backstophq/backstop/internal/recon"
)

// SweepArgs asks for one reconciliation sweep. It is periodic and unique
// while queued, so a slow sweep never piles up copies behind it.
type SweepArgs struct{}

// Kind names the job in river_job.
func (SweepArgs) Kind() string { return "recon_sweep" }

// InsertOpts runs each sweep once: a failed sweep is recorded and alerted
// on, and the next period is the retry (its window covers the gap).
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	}
}

// sweepTimeout bounds one sweep: a large window at the processor's rate
// limit takes minutes, far beyond the client's default job timeout.
const sweepTimeout = 30 * time.Minute

// SweepWorker runs the sweep. River rescues a job running longer than
// RescueStuckJobsAfter and runs it again while the first is still going;
// the sweep's advisory lock turns that second run into a no-op.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Sweeper *recon.Sweeper
}

// Timeout overrides the client's short default for this job.
func (w *SweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return sweepTimeout }

// Work runs one sweep; "another sweep is running" is success.
func (w *SweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	_, err := w.Sweeper.Run(ctx, recon.SweepOptions{})
	if errors.Is(err, recon.ErrBusy) {
		return nil
	}
	return err
}

// SweepPeriodic schedules a sweep every interval, and one at start.
func SweepPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "recon_sweep"})
}
