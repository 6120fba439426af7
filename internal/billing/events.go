package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fault"
)

// Event sources: how an event reached us.
const (
	SourceWebhook      = "webhook"
	SourceEventCatchup = "event_catchup"
)

// HandleEvent stores a verified processor event once and handles it in the
// same transaction. Received and processed are separate facts: when handling
// fails, the event stays stored with its error and attempt count, the
// handling is rolled back, and the error is returned so the webhook answers
// 5xx and the processor, catch-up and the retry job try again; the dedupe by
// event id never hides an unprocessed event.
func (s *Service) HandleEvent(ctx context.Context, ev Event, source string) error {
	via := ViaWebhook
	if source == SourceEventCatchup {
		via = ViaEventCatchup
	}
	var out Outcome
	var handleErr error
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertEvent(ctx, ev, source); err != nil {
			return err
		}
		state, err := tx.LockEvent(ctx, ev.ID)
		if err != nil || state.ProcessedAt != nil {
			return err
		}
		if err := tx.Savepoint(ctx, "handle_event"); err != nil {
			return err
		}
		out, handleErr = s.dispatch(ctx, tx, ev, via)
		if errors.Is(handleErr, ErrUnmatched) {
			// Not ours to serve automatically (a payment made outside our
			// checkout, with no email or plan): reconciliation queues it
			// for a person. Retrying the event would change nothing.
			handleErr = nil
		}
		if handleErr != nil {
			if err := tx.RollbackToSavepoint(ctx, "handle_event"); err != nil {
				return err
			}
			return tx.MarkEventFailed(ctx, ev.ID, handleErr)
		}
		return tx.MarkEventProcessed(ctx, ev.ID)
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

// dispatch handles one event. Handlers re-read the object from the
// processor, so events may arrive late, twice or out of order.
func (s *Service) dispatch(ctx context.Context, tx Tx, ev Event, via Via) (Outcome, error) {
	switch ev.Type {
	case EventCheckoutCompleted, EventCheckoutAsyncSucceeded:
		sess, err := s.proc.GetCheckoutSession(ctx, ev.ObjectID)
		if err != nil || !sess.Paid() {
			return Outcome{}, err
		}
		facts, err := s.withCharge(ctx, FromSession(sess))
		if err != nil {
			return Outcome{}, err
		}
		return s.FulfillTx(ctx, tx, facts, via)
	case EventPaymentSucceeded:
		pi, err := s.proc.GetPaymentIntent(ctx, ev.ObjectID)
		if err != nil || !pi.Succeeded() {
			return Outcome{}, err
		}
		facts, err := s.withCharge(ctx, FromPayment(pi))
		if err != nil {
			return Outcome{}, err
		}
		out, err := s.FulfillTx(ctx, tx, facts, via)
		if errors.Is(err, ErrUnmatched) {
			// A person must finish it (reconciliation queues it); a
			// customer we can write to hears so within minutes.
			_, qerr := s.QueueHoldingEmailTx(ctx, tx, Order{}, FromPayment(pi), HoldPlanUnknown)
			if qerr != nil && !apperr.Is(qerr, apperr.Invalid) {
				return out, qerr
			}
		}
		return out, err
	case EventCheckoutExpired:
		return Outcome{}, s.markSession(ctx, tx, ev.ObjectID, StatusExpired, "expired")
	case EventChargeRefunded:
		return Outcome{}, s.markCharge(ctx, tx, ev, StatusRefunded, "refunded")
	case EventDisputeCreated:
		return Outcome{}, s.markCharge(ctx, tx, ev, StatusDisputed, "disputed")
	}
	return Outcome{}, nil // stored and acknowledged; nothing to do
}

func (s *Service) markSession(ctx context.Context, tx Tx, sessionID, status, kind string) error {
	id, err := tx.FindOrderForPayment(ctx, PaidCheckout{SessionID: sessionID})
	if apperr.Is(err, apperr.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	moved, err := tx.SetStatus(ctx, id, status, StatusPending)
	if err != nil || !moved {
		return err
	}
	return tx.AddOrderEvent(ctx, id, kind, map[string]any{"checkout_session": sessionID})
}

// markCharge records a refund or dispute on the order the charge paid for.
// Access is never revoked here: a person decides (reconciliation queues it).
func (s *Service) markCharge(ctx context.Context, tx Tx, ev Event, status, kind string) error {
	chargeID := ev.ObjectID
	if ev.Type == EventDisputeCreated {
		chargeID = ev.ChargeID()
	}
	ch, err := s.proc.GetCharge(ctx, chargeID)
	if err != nil {
		return err
	}
	if status == StatusRefunded && !ch.Refunded {
		return nil // a partial refund leaves the order as it is
	}
	id, err := tx.FindOrderForPayment(ctx, PaidCheckout{PaymentIntentID: ch.PaymentIntentID})
	if apperr.Is(err, apperr.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.SetStatus(ctx, id, status, StatusFulfilled, StatusPaid, StatusRefunded, StatusDisputed); err != nil {
		return err
	}
	return tx.AddOrderEvent(ctx, id, kind, map[string]any{"charge": ch.ID, "event": ev.ID})
}

// withCharge reads the payment's charge from the processor, so a payment
// refunded or disputed before its completion was handled is not served.
func (s *Service) withCharge(ctx context.Context, p PaidCheckout) (PaidCheckout, error) {
	if p.ChargeID == "" {
		return p, nil
	}
	ch, err := s.proc.GetCharge(ctx, p.ChargeID)
	if err != nil {
		return p, err
	}
	p.Refunded, p.Disputed = ch.Refunded, ch.Disputed
	return p, nil
}
