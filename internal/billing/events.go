package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/backstophq/backstop/internal/fault"
)

// Event sources: how an event reached us.
const (
	SourceWebhook      = "webhook"
	SourceEventCatchup = "event_catchup"
)

// effect is what handling one event changes, applied inside the
// transaction that marks the event processed. It closes over the facts
// read from the processor beforehand, so it makes no network call.
type effect func(ctx context.Context, tx Tx) (Outcome, error)

// HandleEvent stores a verified processor event once and handles it.
//
// No network call happens inside a transaction: the event is stored (and
// deduped by id) in one statement of its own; an event already
// processed stops there, at no processor call; what the event needs is then
// read from the processor with no transaction open; and one last
// transaction claims the event (marks it processed unless another delivery
// did meanwhile, holding its row) and applies the effect. A slow processor
// therefore holds no database connection.
//
// Received and processed are separate facts: when reading or handling
// fails, the event stays stored with its error and attempt count, the
// handling is rolled back, and the error is returned so the webhook answers
// 5xx and the processor and event catch-up try again; the dedupe by event
// id never hides an unprocessed event. An event catch-up gave up on (after
// its retries, with a mismatch for a person) is acknowledged without
// another attempt. Deliveries of one event that arrive together in this
// process share one handling.
func (s *Service) HandleEvent(ctx context.Context, ev Event, source string) error {
	_, err, _ := s.inflight.Do(ev.ID, func() (any, error) {
		return nil, s.handleEvent(ctx, ev, source)
	})
	return err
}

func (s *Service) handleEvent(ctx context.Context, ev Event, source string) error {
	var done bool
	err := s.inEventSlot(ctx, func() (err error) {
		done, err = s.storeEvent(ctx, ev, source)
		return err
	})
	if err != nil || done {
		return err
	}
	via := ViaWebhook
	if source == SourceEventCatchup {
		via = ViaEventCatchup
	}
	apply, fetchErr := s.prepare(ctx, ev, via)
	var out Outcome
	var handleErr error
	err = s.inEventSlot(ctx, func() (err error) {
		out, handleErr, err = s.applyEvent(ctx, ev, apply, fetchErr)
		return err
	})
	if err != nil {
		return err
	}
	if handleErr != nil {
		s.logger.WarnContext(ctx, "processor event not handled; will retry", "event_id", ev.ID, "type", ev.Type, "err", handleErr)
		return fmt.Errorf("handle %s %s: %w", ev.Type, ev.ID, handleErr)
	}
	if out.Fulfilled {
		s.faults.Hit(fault.FulfillAfterCommit)
	}
	return nil
}

// inEventSlot runs fn, database work of an event, once one of the event
// slots is free (see DefaultEventSlots), or fails when ctx ends first.
func (s *Service) inEventSlot(ctx context.Context, fn func() error) error {
	select {
	case s.eventSlots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wait for an event slot: %w", ctx.Err())
	}
	defer func() { <-s.eventSlots }()
	return fn()
}

// storeEvent records the event's receipt and reports whether it is done
// with (processed, or given up and left for a person, whose delivery is
// acknowledged so the processor stops sending it), in one statement of its
// own.
func (s *Service) storeEvent(ctx context.Context, ev Event, source string) (done bool, err error) {
	state, err := s.store.StoreEvent(ctx, ev, source)
	return state.Done(), err
}

// applyEvent makes the event's changes: one transaction claims the event
// (marks it processed, holding its row) and applies the effect; when another
// delivery got there first there is nothing to claim and nothing is applied.
// When the effect fails, or fetchErr says the processor could not be read,
// nothing of it is kept and a second transaction records why on the event,
// unless another delivery has processed it meanwhile. handleErr is that
// failure; err is a failure to record it. The success path, the one every
// event takes, is one statement of bookkeeping: no lock read, savepoint or
// separate mark.
func (s *Service) applyEvent(ctx context.Context, ev Event, apply effect, fetchErr error) (out Outcome, handleErr, err error) {
	handleErr = fetchErr
	if handleErr == nil {
		out, handleErr, err = s.claimAndApply(ctx, ev, apply)
		if err != nil || handleErr == nil {
			return out, nil, err
		}
	}
	return Outcome{}, handleErr, s.recordFailure(ctx, ev, handleErr)
}

// claimAndApply claims the event and applies its effect in one transaction,
// rolled back whole when the effect fails (handleErr).
func (s *Service) claimAndApply(ctx context.Context, ev Event, apply effect) (out Outcome, handleErr, err error) {
	err = s.store.InTx(ctx, func(tx Tx) error {
		claimed, err := tx.ClaimEvent(ctx, ev.ID)
		if err != nil || !claimed || apply == nil {
			return err
		}
		out, handleErr = apply(ctx, tx)
		if errors.Is(handleErr, ErrUnmatched) {
			// Not ours to serve automatically (a payment made outside
			// our checkout, with no email or plan): reconciliation
			// queues it for a person. Retrying would change nothing.
			handleErr = nil
		}
		if handleErr != nil {
			return errUndoEffect
		}
		return nil
	})
	if errors.Is(err, errUndoEffect) {
		err = nil
	}
	return out, handleErr, err
}

// recordFailure records a failed attempt on the event, unless another
// delivery has processed it (or it was given up) meanwhile.
func (s *Service) recordFailure(ctx context.Context, ev Event, cause error) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		state, err := tx.LockEvent(ctx, ev.ID)
		if err != nil || state.Done() {
			return err
		}
		return tx.MarkEventFailed(ctx, ev.ID, cause)
	})
}

// errUndoEffect rolls back the transaction of an effect that failed.
var errUndoEffect = errors.New("undo the failed effect")
