package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/backstophq/backstop/internal/recon"
)

// AlertCheckArgs asks for one check of the reconciliation dead man's switch.
type AlertCheckArgs struct{}

// Kind names the job in river_job.
func (AlertCheckArgs) Kind() string { return "recon_alert_check" }

// InsertOpts keeps one pending check at a time; the next period retries.
func (AlertCheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	}
}

// AlertCheckInterval is how often the switch is checked. The alert state
// makes the emails once per raise and once per recovery however often.
const AlertCheckInterval = time.Minute

// AlertCheckWorker runs the check.
type AlertCheckWorker struct {
	river.WorkerDefaults[AlertCheckArgs]
	Alerter *recon.Alerter
}

// Work checks every watched kind of run once.
func (w *AlertCheckWorker) Work(ctx context.Context, job *river.Job[AlertCheckArgs]) error {
	return w.Alerter.Check(ctx)
}

// AlertCheckPeriodic schedules the check every interval (AlertCheckInterval
// unless catch-up runs more often).
func AlertCheckPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return AlertCheckArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "recon_alert_check"})
}
