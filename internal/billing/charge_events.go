package billing

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
)

// markSession moves a pending order to status, with a timeline row.
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
func (s *Service) markCharge(ctx context.Context, tx Tx, ev Event, ch Charge, status, kind string) error {
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
