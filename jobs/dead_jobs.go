package jobs

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// cancelDead cancels every job of job's kind still "running" that was
// started before job. It is called by a run that held its kind's lock
// (the sweep's or the catch-up's), which a live run never lets go of
// while it runs, so those jobs died with their process. River cannot
// tell: without a cancel it leaves them running until its rescuer sees
// them past their timeout; with one, the rescuer moves them to cancelled
// on its next pass. Failing to cancel is only logged: the run itself
// succeeded.
func cancelDead(ctx context.Context, logger *slog.Logger, job *rivertype.JobRow) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil || job == nil || job.AttemptedAt == nil {
		return
	}
	params := river.NewJobListParams().Kinds(job.Kind).States(rivertype.JobStateRunning).First(100)
	list, err := client.JobList(ctx, params)
	if err != nil {
		logger.WarnContext(ctx, "list jobs left running", "kind", job.Kind, "err", err)
		return
	}
	for _, j := range list.Jobs {
		if j.ID == job.ID || j.AttemptedAt == nil || !j.AttemptedAt.Before(*job.AttemptedAt) {
			continue
		}
		if _, err := client.JobCancel(ctx, j.ID); err != nil {
			logger.WarnContext(ctx, "cancel a dead job", "kind", job.Kind, "job_id", j.ID, "err", err)
			continue
		}
		logger.InfoContext(ctx, "cancelled a job whose process died", "kind", job.Kind, "job_id", j.ID, "attempted_at", j.AttemptedAt)
	}
}
