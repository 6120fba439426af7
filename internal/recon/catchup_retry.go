package recon

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// RetryPolicy paces catch-up's retries of a stored event whose handling
// failed, and says when to stop and leave it for a person.
type RetryPolicy struct {
	// First is the wait after the first failed attempt; each later wait
	// doubles, up to Max.
	First time.Duration
	Max   time.Duration
	// Attempts is how many failed attempts (from any path: webhook
	// deliveries count too) give an event up.
	Attempts int
}

// DefaultRetry waits 30 s, then 1, 2, 4 … minutes, capped at an hour, and
// gives up after 12 attempts: about five hours of trying. An event that
// fails that long (say, a correctly signed event for an object the
// processor does not have) will not heal by itself, and each try costs a
// processor call and an error line.
var DefaultRetry = RetryPolicy{First: 30 * time.Second, Max: time.Hour, Attempts: 12}

// wait is how long after its attempts-th failed attempt an event is tried
// again.
func (p RetryPolicy) wait(attempts int) time.Duration {
	d := p.First
	for i := 1; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// retryStored hands the stored events whose retry is due (failed
// deliveries and earlier runs' failures) to the handler again, and gives up
// those that reached the cap; each one handled counts in run.Healed.
func (c *CatchUp) retryStored(ctx context.Context, run *store.ReconRun, now time.Time) error {
	events, err := c.Store.DueEvents(ctx, now, c.Retry.First, 100)
	if err != nil {
		return err
	}
	var errs []error
	for _, ev := range events {
		if ev.Attempts >= c.Retry.Attempts {
			// The cap was reached by other paths (webhook deliveries).
			errs = append(errs, c.giveUp(ctx, ev.ID, now))
			continue
		}
		err := c.Handler.HandleEvent(ctx, ev.Event, billing.SourceEventCatchup)
		if err == nil {
			run.Healed++
			continue
		}
		c.Logger.WarnContext(ctx, "catch-up: stored event still failing", "event_id", ev.ID, "type", ev.Type, "err", err)
		errs = append(errs, c.failed(ctx, ev.ID, err, now))
		if apperr.Is(err, apperr.Unavailable) {
			break // the processor is down: the rest wait for the next run
		}
	}
	return errors.Join(errs...)
}

// countDueRetries is a dry run's look at what retryStored would do: the
// stored failures due now that it would hand to the handler again (one
// batch, as a real run takes), counted in run.ByKind["retries_due"].
func (c *CatchUp) countDueRetries(ctx context.Context, run *store.ReconRun, now time.Time) error {
	events, err := c.Store.DueEvents(ctx, now, c.Retry.First, 100)
	if err != nil {
		return err
	}
	due := 0
	for _, ev := range events {
		if ev.Attempts < c.Retry.Attempts {
			due++
		}
	}
	run.ByKind = map[string]int{"retries_due": due}
	return nil
}

// failed schedules the next try of an event whose attempt just failed, or
// gives it up when it has failed Attempts times. A processor that is down
// or out of budget is not the event's fault: that failure is retried with
// the same backoff but never gives an event up.
func (c *CatchUp) failed(ctx context.Context, id string, cause error, now time.Time) error {
	st, _, err := c.Store.EventFailure(ctx, id)
	if err != nil || st.Done() {
		return err
	}
	if st.Attempts >= c.Retry.Attempts && !apperr.Is(cause, apperr.Unavailable) {
		return c.giveUp(ctx, id, now)
	}
	return c.Store.ScheduleEventRetry(ctx, id, now.Add(c.Retry.wait(max(st.Attempts, 1))))
}

// unstorable records an event whose payload PostgreSQL cannot store, with
// cause as its error, and gives it up: its event_failed mismatch and the
// alert tell a person, and no run lists it into a failure again.
func (c *CatchUp) unstorable(ctx context.Context, ev billing.Event, cause error, now time.Time) error {
	c.Logger.WarnContext(ctx, "catch-up: event payload cannot be stored; giving it up", "event_id", ev.ID, "type", ev.Type)
	if err := c.Store.RecordUnstorableEvent(ctx, ev, billing.SourceEventCatchup, cause); err != nil {
		return err
	}
	return c.giveUp(ctx, ev.ID, now)
}

// giveUp stops retrying the event, opens its event_failed mismatch (the
// event's id, type and last error as evidence) and raises the alert.
func (c *CatchUp) giveUp(ctx context.Context, id string, now time.Time) error {
	ok, err := c.Store.GiveUpEvent(ctx, id, now)
	if err != nil || !ok {
		return err
	}
	st, lastErr, err := c.Store.EventFailure(ctx, id)
	if err != nil {
		return err
	}
	c.Logger.ErrorContext(ctx, "processor event given up; left for a person", "event_id", id,
		"attempts", st.Attempts, "last_error", lastErr, "kind", billing.KindEventFailed)
	if c.Alerts == nil {
		return nil
	}
	return c.Alerts.Check(ctx)
}

// eventFailureProblem names the given-up events waiting for a person, or ""
// when none is, for the events alert.
func eventFailureProblem(ctx context.Context, st *store.Store) (string, error) {
	n, newest, err := st.EventFailures(ctx)
	if err != nil || n == 0 {
		return "", err
	}
	if n == 1 {
		return "processor event " + newest + " could not be handled and was given up; it waits in the mismatch queue", nil
	}
	return strconv.Itoa(n) + " processor events could not be handled and were given up; they wait in the mismatch queue (newest: " + newest + ")", nil
}
