package billing

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// duplicateError is rebuildOrder's answer for a payment made outside our
// checkout by an address that already bought the plan within PriorWindow:
// the payment is a duplicate, held for a person, not a second period.
type duplicateError struct{ earlier Order }

func (e duplicateError) Error() string {
	return fmt.Sprintf("a second payment for the plan order %d already bought", e.earlier.ID)
}

// duplicateOf returns the order an orphan payment repeats: a paid or served
// order of the same email and plan within PriorWindow of the payment. The
// caller holds the purchaser's lock (LockPurchaser), so two orphan payments
// of one customer handled at once cannot both be served (DESIGN section 6:
// classification comes before healing, on every path).
func duplicateOf(ctx context.Context, tx Tx, p PaidCheckout, email, plan string) (Order, bool, error) {
	at := p.PaidAt
	if at.IsZero() {
		at = time.Now()
	}
	if err := tx.LockPurchaser(ctx, email, plan); err != nil {
		return Order{}, false, err
	}
	earlier, err := tx.RecentPurchases(ctx, email, plan, at.Add(-PriorWindow), 0)
	if err != nil || len(earlier) == 0 {
		return Order{}, false, err
	}
	for _, o := range earlier {
		if o.PaymentIntentID != p.PaymentIntentID {
			return o, true, nil
		}
	}
	return Order{}, false, nil
}

// holdDuplicate opens (or updates) the duplicate_payment mismatch of a
// payment that repeats earlier, under the subject the sweep uses (the
// payment intent), with both payments in the evidence. Nothing is served
// and nobody is emailed: a person refunds the extra in one click.
func (s *Service) holdDuplicate(ctx context.Context, tx Tx, p PaidCheckout, earlier Order) (Outcome, error) {
	_, err := tx.OpenMismatch(ctx, MismatchReport{
		Kind: KindDuplicatePayment, Subject: p.PaymentIntentID, SubjectAt: p.PaidAt, OrderID: earlier.ID,
		Email: p.Email, PaymentIntentID: p.PaymentIntentID, ChargeID: p.ChargeID,
		Amount: p.Amount, Currency: p.Currency,
		Evidence: map[string]any{
			"payment": map[string]any{"payment_intent": p.PaymentIntentID, "charge": p.ChargeID,
				"amount": p.Amount, "currency": p.Currency, "email": p.Email, "created": p.PaidAt,
				"duplicate_of": earlier.PaymentIntentID},
			"order": map[string]any{"id": earlier.ID, "public_ref": earlier.PublicRef, "status": earlier.Status,
				"payment_intent": earlier.PaymentIntentID, "paid_at": earlier.PaidAt},
		},
	})
	if err != nil {
		return Outcome{}, err
	}
	s.logger.WarnContext(ctx, "second payment held as a duplicate", "payment_intent", p.PaymentIntentID, "order_id", earlier.ID)
	return Outcome{Order: earlier, DuplicateOf: earlier.ID}, nil
}

func asDuplicate(err error) (Order, bool) {
	var d duplicateError
	if errors.As(err, &d) {
		return d.earlier, true
	}
	return Order{}, false
}
