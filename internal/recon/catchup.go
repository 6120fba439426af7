package recon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

const (
	// cursorName is the recon_state row holding the newest event time
	// catch-up has fully handled.
	cursorName = "events_cursor"
	// cursorOverlap re-lists a few seconds before the cursor, so an event
	// created in the same second as the cursor is never skipped; the
	// dedupe by event id makes the overlap free of double effects.
	cursorOverlap = 5 * time.Second
	// stateBatch is how many listed events one query checks against the
	// stored ones.
	stateBatch = 100
)

// EventLister is the part of the processor catch-up reads.
type EventLister interface {
	ListEvents(ctx context.Context, r billing.Range, types []string, fn func(billing.Event) error) error
}

// EventHandler is the webhook's own handler, shared by catch-up.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev billing.Event, source string) error
}

// CatchUp replays the processor's events after a stored cursor through the
// webhook's handler, so a lost webhook is repaired within one interval.
type CatchUp struct {
	Store    *store.Store
	Events   EventLister
	Handler  EventHandler
	Lookback time.Duration // the window of the very first run
	// Retry paces the retries of stored events whose handling failed and
	// says when to give them up; the zero value is DefaultRetry.
	Retry RetryPolicy
	// Alerts, when set, is checked as soon as an event is given up, so
	// the alert goes out at once rather than at the next check.
	Alerts *Alerter
	Logger *slog.Logger
	Now    func() time.Time
}

// CatchUpOptions are one catch-up run's choices.
type CatchUpOptions struct {
	// DryRun lists the processor's events after the cursor and counts, in
	// Healed, the ones a real run would hand to the handler (never stored,
	// or stored and never tried), and in ByKind["retries_due"] the stored
	// failures whose retry is due. It handles nothing, retries nothing and
	// leaves the cursor where it is.
	DryRun bool
	// RequestedBy names who pressed Run now in the console; "" for the
	// schedule.
	RequestedBy string
}

// Run does one catch-up pass for the schedule; see RunWith.
func (c *CatchUp) Run(ctx context.Context) (store.ReconRun, error) {
	return c.RunWith(ctx, CatchUpOptions{})
}

// ErrCatchUpBusy is returned (kind Conflict) when another catch-up holds
// the catch-up lock.
var ErrCatchUpBusy = apperr.New(apperr.Conflict, "another catch-up is running")

// RunWith does one catch-up pass and records it in recon_runs, Healed
// counting the events handled. Events whose handling fails hold the cursor
// back, so the next run sees them again. It returns ErrCatchUpBusy,
// recording nothing, while another catch-up runs: two at once would be
// safe (handling dedupes by event id) but pay the processor twice, and the
// lock, unlike River's uniqueness, dies with a killed process, so the
// restarted one's catch-up is never held back by a dead job.
func (c *CatchUp) RunWith(ctx context.Context, opts CatchUpOptions) (store.ReconRun, error) {
	release, ok, err := c.Store.TryLockCatchUp(ctx)
	if err != nil {
		return store.ReconRun{}, err
	}
	if !ok {
		return store.ReconRun{}, ErrCatchUpBusy
	}
	defer release()
	id, err := c.Store.StartReconRun(ctx, "events", opts.DryRun, opts.RequestedBy)
	if err != nil {
		return store.ReconRun{}, err
	}
	run := store.ReconRun{ID: id, Kind: "events", DryRun: opts.DryRun}
	runErr := c.run(ctx, &run)
	if runErr != nil {
		msg := runErr.Error()
		run.Error = &msg
	}
	if err := c.Store.FinishReconRun(context.WithoutCancel(ctx), run); err != nil {
		return run, errors.Join(runErr, err)
	}
	return run, runErr
}

func (c *CatchUp) run(ctx context.Context, run *store.ReconRun) error {
	now := c.Now()
	cursor, err := c.cursor(ctx, now)
	if err != nil {
		return err
	}
	from := cursor.Add(-cursorOverlap)
	run.WindowFrom, run.WindowTo = &from, &now
	run.CursorBefore = ptr(cursor.Format(time.RFC3339))
	newest, failed, err := c.replay(ctx, run, billing.Range{From: from, To: now}, now)
	if err != nil {
		return err
	}
	if run.DryRun {
		return c.countDueRetries(ctx, run, now)
	}
	next := maxTime(cursor, newest)
	if !failed.IsZero() && failed.Before(next) {
		next = failed // hold back: the failed event is inside the next window
	}
	run.CursorAfter = ptr(next.Format(time.RFC3339))
	if err := c.Store.SetReconState(ctx, cursorName, next.Format(time.RFC3339Nano)); err != nil {
		return err
	}
	return c.retryStored(ctx, run, now)
}

// replay hands every listed event to the handler (a dry run only counts
// them) and returns the newest event time and the oldest failed event time. Events already processed,
// given up, or failing (stored with a failed attempt) are skipped, a batch
// at a time in one query: the first cost no processor call, and the others
// are the retry's (retryStored), paced by its backoff, rather than tried
// again on every run.
func (c *CatchUp) replay(ctx context.Context, run *store.ReconRun, r billing.Range, now time.Time) (newest, failed time.Time, err error) {
	var handleErrs []error
	batch := make([]billing.Event, 0, stateBatch)
	flush := func() error {
		defer func() { batch = batch[:0] }()
		states, err := c.Store.EventStates(ctx, eventIDs(batch))
		if err != nil {
			return err
		}
		for _, ev := range batch {
			if st, ok := states[ev.ID]; ok && (st.Done() || st.Attempts > 0) {
				newest = maxTime(newest, ev.Created)
				continue
			}
			if run.DryRun {
				run.Healed++
				continue
			}
			if err := c.Handler.HandleEvent(ctx, ev, billing.SourceEventCatchup); err != nil {
				if errors.Is(err, billing.ErrUnstorable) {
					// Retrying would list the same bytes again: recorded
					// and given up at once, it is a person's, and the
					// cursor moves on.
					if err := c.unstorable(ctx, ev, err, now); err != nil {
						return err
					}
					newest = maxTime(newest, ev.Created)
					continue
				}
				if apperr.Is(err, apperr.Unavailable) {
					return err // the processor is down: stop, try the whole window again
				}
				handleErrs = append(handleErrs, err)
				if failed.IsZero() || ev.Created.Before(failed) {
					failed = ev.Created
				}
				if err := c.failed(ctx, ev.ID, err, now); err != nil {
					return err
				}
				continue
			}
			run.Healed++
			newest = maxTime(newest, ev.Created)
		}
		c.progress(ctx, run)
		return nil
	}
	c.progress(ctx, run)
	err = c.Events.ListEvents(ctx, r, billing.HandledEvents, func(ev billing.Event) error {
		run.ObjectsSeen++
		batch = append(batch, ev)
		if len(batch) >= stateBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	run.APICalls += pages(run.ObjectsSeen)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("list events: %w", err)
	}
	if len(handleErrs) > 0 {
		c.Logger.WarnContext(ctx, "catch-up: some events not handled; will retry", "count", len(handleErrs), "err", handleErrs[0])
	}
	return newest, failed, nil
}

// progress records what the run has seen so far, for the console. It is
// only shown, never relied on, so a failed write is logged and the run
// goes on.
func (c *CatchUp) progress(ctx context.Context, run *store.ReconRun) {
	err := c.Store.ReportReconProgress(ctx, run.ID, "listing events after the cursor", pages(run.ObjectsSeen), run.ObjectsSeen)
	if err != nil {
		c.Logger.WarnContext(ctx, "catch-up progress not recorded", "run_id", run.ID, "err", err)
	}
}

func eventIDs(evs []billing.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

func (c *CatchUp) cursor(ctx context.Context, now time.Time) (time.Time, error) {
	v, err := c.Store.ReconState(ctx, cursorName)
	if apperr.Is(err, apperr.NotFound) {
		return now.Add(-c.Lookback), nil
	} else if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return now.Add(-c.Lookback), nil // an unreadable cursor only costs a longer replay
	}
	return t, nil
}

// pages is the number of list calls that returned n objects at 100 a page.
func pages(n int) int { return n/100 + 1 }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func ptr[T any](v T) *T { return &v }
