package cli

import (
	"context"
	"strconv"

	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/jobs"
)

// consoleRuns is the runs page's store reads plus its Run now button.
type consoleRuns struct {
	*store.Store
	jobs *jobs.Client
}

// RunSweepNow queues one sweep for actor, with its audit row, in one
// transaction; store.ErrSweepRunning when a sweep runs or waits already.
func (r consoleRuns) RunSweepNow(ctx context.Context, dryRun bool, actor string) error {
	a := staff.AuditEntry{Actor: actor, Action: "recon.run_requested", Target: "recon:sweep",
		Details: map[string]string{"dry_run": strconv.FormatBool(dryRun)}}
	return r.RequestSweep(ctx, a, func(tx *store.Tx) error {
		_, err := r.jobs.InsertTx(ctx, tx.SQL(), jobs.SweepArgs{DryRun: dryRun, RequestedBy: actor}, nil)
		return err
	})
}

// RunCatchUpNow queues one catch-up for actor, the schedule's own job,
// with its audit row, in one transaction; store.ErrCatchUpQueued when one
// is queued or running already.
func (r consoleRuns) RunCatchUpNow(ctx context.Context, dryRun bool, actor string) error {
	a := staff.AuditEntry{Actor: actor, Action: "recon.run_requested", Target: "recon:events",
		Details: map[string]string{"dry_run": strconv.FormatBool(dryRun)}}
	return r.RequestCatchUp(ctx, a, func(tx *store.Tx) error {
		_, err := r.jobs.InsertTx(ctx, tx.SQL(), jobs.CatchUpArgs{DryRun: dryRun, RequestedBy: actor}, nil)
		return err
	})
}
