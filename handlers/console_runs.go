package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/views"
)

// ReconRuns is the reconciliation runs page: the store's reads and Run now.
type ReconRuns interface {
	// ReconRunPage lists the runs older than run before (0: the newest).
	ReconRunPage(ctx context.Context, before int64, limit int) ([]store.ReconRun, error)
	// SweepBusy reports a sweep running or waiting for a worker.
	SweepBusy(ctx context.Context) (bool, error)
	// RunSweepNow queues a sweep with its audit row, or refuses with
	// store.ErrSweepRunning and queues nothing.
	RunSweepNow(ctx context.Context, dryRun bool, actor string) error
}

const (
	runsPath    = "/console/runs"
	runsPerPage = 25
)

// handleRuns is GET /console/runs: the runs, newest first, ?before= for
// older ones.
func (h staffConsole) handleRuns(c *fiber.Ctx) error {
	v, err := h.runsView(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.RunsPage(v), views.RunsContent(v))
}

// handleRunsProgress is GET /console/runs/progress: the newest runs' table,
// which asks for itself again while a run is going.
func (h staffConsole) handleRunsProgress(c *fiber.Ctx) error {
	v, err := h.runsView(c)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.RunsTable(v), views.RunsTable(v))
}

func (h staffConsole) runsView(c *fiber.Ctx) (views.RunsView, error) {
	var before int64
	if s := c.Query("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return views.RunsView{}, apperr.New(apperr.Invalid, "That page of runs does not exist; start again from the newest runs.")
		}
		before = n
	}
	ctx := c.UserContext()
	runs, err := h.runs.ReconRunPage(ctx, before, runsPerPage+1)
	if err != nil {
		return views.RunsView{}, err
	}
	busy, err := h.runs.SweepBusy(ctx)
	if err != nil {
		return views.RunsView{}, err
	}
	v := views.RunsView{Shell: h.shell(c, runsPath), Before: before, Busy: busy}
	if len(runs) > runsPerPage {
		runs = runs[:runsPerPage]
		v.Older = runs[len(runs)-1].ID
	}
	v.Runs = runs
	return v, nil
}

// handleRunNow is POST /console/runs: queue one sweep, or say which sweep
// is in the way.
func (h staffConsole) handleRunNow(c *fiber.Ctx) error {
	dry := c.FormValue("dry_run") != ""
	err := h.runs.RunSweepNow(c.UserContext(), dry, signedInStaff(c).Email)
	var msg string
	switch {
	case errors.Is(err, store.ErrSweepRunning):
		msg, err = h.sweepInTheWay(c.UserContext())
		if err != nil {
			return err
		}
	case err != nil:
		return err
	case dry:
		msg = "Sweep queued as a dry run: it will report what it finds and change nothing. Its row appears below once a worker starts it."
	default:
		msg = "Sweep queued. Its row appears below once a worker starts it, with its progress."
	}
	flashNext(c, msg, h.secure)
	return redirect(c, runsPath)
}

// sweepInTheWay names the sweep that refused a Run now press: the newest
// unfinished one, or one still waiting for a worker.
func (h staffConsole) sweepInTheWay(ctx context.Context) (string, error) {
	runs, err := h.runs.ReconRunPage(ctx, 0, runsPerPage)
	if err != nil {
		return "", err
	}
	for _, r := range runs {
		if r.Kind == "sweep" && r.FinishedAt == nil {
			return fmt.Sprintf("A sweep is already running, started %s by %s; nothing was queued.",
				r.StartedAt.UTC().Format("15:04 UTC"), views.WhoAsked(r)), nil
		}
	}
	return "A sweep is already waiting for a worker to start it; nothing was queued.", nil
}
