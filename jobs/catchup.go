package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/recon"
)

// CatchUpArgs asks for one event catch-up run. It is not unique, for the
// sweep's reason (see SweepArgs): River's uniqueness counts a job whose
// process was killed mid-run as running until its rescuer sees it, so the
// restarted process's start-up catch-up, the one that repairs what the
// crash missed, would be skipped as its duplicate. The catch-up lock keeps
// one run at a time instead: an extra job finds it taken and ends at once.
type CatchUpArgs struct {
	// DryRun and RequestedBy come from the console's Run now; the
	// schedule's run leaves both empty.
	DryRun      bool   `json:"dry_run,omitempty"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// Kind names the job in river_job.
func (CatchUpArgs) Kind() string { return "event_catchup" }

// InsertOpts runs each catch-up once: a failed run is not retried on its
// own, the next period is the retry.
func (CatchUpArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// CatchUpWorker runs the catch-up.
type CatchUpWorker struct {
	river.WorkerDefaults[CatchUpArgs]
	CatchUp *recon.CatchUp
	Logger  *slog.Logger
}

// Work runs one pass; its outcome is recorded in recon_runs either way.
// "Another catch-up is running" is success; a run that held the lock then
// lets River finish the catch-up jobs that died with their process.
func (w *CatchUpWorker) Work(ctx context.Context, job *river.Job[CatchUpArgs]) error {
	run, err := w.CatchUp.RunWith(ctx, recon.CatchUpOptions{DryRun: job.Args.DryRun, RequestedBy: job.Args.RequestedBy})
	if errors.Is(err, recon.ErrCatchUpBusy) {
		return nil
	}
	if run.ID != 0 {
		cancelDead(ctx, w.Logger, job.JobRow)
	}
	return err
}

// CatchUpPeriodic schedules a run every interval, and one at start so a
// restarted process repairs what it missed at once.
func CatchUpPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return CatchUpArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "event_catchup"})
}
