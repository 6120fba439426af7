package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/backstophq/backstop/internal/recon"
)

// CatchUpArgs asks for one event catch-up run. It is periodic, and unique
// while queued or running, so a slow run never piles up copies behind it
// and a Run now press joins no queue. Dry runs are unique apart from real
// ones: a dry run waiting for a worker must not make River skip the
// schedule's next real run, which repairs what webhooks missed.
type CatchUpArgs struct {
	// DryRun and RequestedBy come from the console's Run now; the
	// schedule's run leaves both empty. Only DryRun counts for uniqueness:
	// a real Run now is the schedule's run, whoever asked.
	DryRun      bool   `json:"dry_run,omitempty" river:"unique"`
	RequestedBy string `json:"requested_by,omitempty"`
}

// Kind names the job in river_job.
func (CatchUpArgs) Kind() string { return "event_catchup" }

// InsertOpts keeps one pending run at a time; a failed run is not retried
// on its own, the next period is the retry.
func (CatchUpArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
			rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled}},
	}
}

// CatchUpWorker runs the catch-up.
type CatchUpWorker struct {
	river.WorkerDefaults[CatchUpArgs]
	CatchUp *recon.CatchUp
}

// Work runs one pass; its outcome is recorded in recon_runs either way.
func (w *CatchUpWorker) Work(ctx context.Context, job *river.Job[CatchUpArgs]) error {
	_, err := w.CatchUp.RunWith(ctx, recon.CatchUpOptions{DryRun: job.Args.DryRun, RequestedBy: job.Args.RequestedBy})
	return err
}

// CatchUpPeriodic schedules a run every interval, and one at start so a
// restarted process repairs what it missed at once.
func CatchUpPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return CatchUpArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "event_catchup"})
}
