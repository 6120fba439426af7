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
	// ReadRunsBusy reports a sweep running or waiting for a worker, and a
	// catch-up queued or running.
	ReadRunsBusy(ctx context.Context) (store.RunsBusy, error)
	// RunSweepNow queues a sweep with its audit row, or refuses with
	// store.ErrSweepRunning and queues nothing.
	RunSweepNow(ctx context.Context, dryRun bool, actor string) error
	// RunCatchUpNow queues a catch-up with its audit row, or refuses with
	// store.ErrCatchUpQueued and queues nothing.
	RunCatchUpNow(ctx context.Context, dryRun bool, actor string) error
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
	busy, err := h.runs.ReadRunsBusy(ctx)
	if err != nil {
		return views.RunsView{}, err
	}
	v := views.RunsView{Shell: h.shell(c, runsPath), Before: before, Busy: busy.Sweep || busy.CatchUp}
	if len(runs) > runsPerPage {
		runs = runs[:runsPerPage]
		v.Older = runs[len(runs)-1].ID
	}
	v.Runs = runs
	return v, nil
}

// handleRunNow is POST /console/runs: queue one sweep (kind=sweep, the
// default) or one catch-up (kind=events), or say which run is in the way.
func (h staffConsole) handleRunNow(c *fiber.Ctx) error {
	dry := c.FormValue("dry_run") != ""
	var msg string
	var err error
	switch c.FormValue("kind", "sweep") {
	case "sweep":
		msg, err = h.runSweepNow(c, dry)
	case "events":
		msg, err = h.runCatchUpNow(c, dry)
	default:
		return apperr.New(apperr.Invalid, "Choose a sweep or a catch-up, then press Run now again.")
	}
	if err != nil {
		return err
	}
	flashNext(c, msg, h.secure)
	return redirect(c, runsPath)
}

// runSweepNow queues a sweep and says so, or says which sweep is in the
// way.
func (h staffConsole) runSweepNow(c *fiber.Ctx, dry bool) (string, error) {
	err := h.runs.RunSweepNow(c.UserContext(), dry, signedInStaff(c).Email)
	switch {
	case errors.Is(err, store.ErrSweepRunning):
		return h.inTheWay(c.UserContext(), "sweep")
	case err != nil:
		return "", err
	case dry:
		return "Sweep queued as a dry run: it will report what it finds and change nothing. Its row appears below once a worker starts it.", nil
	}
	return "Sweep queued. Its row appears below once a worker starts it, with its progress.", nil
}

// runCatchUpNow queues a catch-up and says so, or says one is already
// queued or running.
func (h staffConsole) runCatchUpNow(c *fiber.Ctx, dry bool) (string, error) {
	err := h.runs.RunCatchUpNow(c.UserContext(), dry, signedInStaff(c).Email)
	switch {
	case errors.Is(err, store.ErrCatchUpQueued):
		return h.inTheWay(c.UserContext(), "events")
	case err != nil:
		return "", err
	case dry:
		return "Catch-up queued as a dry run: it will count the processor's events since the last catch-up that we never handled, and handle none, move no cursor and retry nothing. Its row appears below once a worker starts it.", nil
	}
	return "Catch-up queued: it replays the processor's events since the last catch-up that we never handled. Its row appears below once a worker starts it.", nil
}

// inTheWay names the run of kind that refused a Run now press: the newest
// unfinished one, or one still waiting for a worker.
func (h staffConsole) inTheWay(ctx context.Context, kind string) (string, error) {
	runs, err := h.runs.ReconRunPage(ctx, 0, runsPerPage)
	if err != nil {
		return "", err
	}
	name := views.RunKindName(kind)
	for _, r := range runs {
		if r.Kind == kind && r.FinishedAt == nil {
			return fmt.Sprintf("A %s is already running, started %s by %s; nothing was queued.",
				name, r.StartedAt.UTC().Format("15:04 UTC"), views.WhoAsked(r)), nil
		}
	}
	return fmt.Sprintf("A %s is already waiting for a worker to start it; nothing was queued.", name), nil
}
