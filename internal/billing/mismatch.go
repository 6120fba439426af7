package billing

import (
	"context"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// MismatchReport is a mismatch the event path found (a late refund, a
// dispute), written to the same queue as the sweep's findings under the
// same kind and subject, so the sweep later updates it rather than opening
// another. Zero values are stored as NULL.
type MismatchReport struct {
	Kind              string
	Subject           string
	SubjectAt         time.Time
	OrderID           int64
	Email             string
	PaymentIntentID   string
	ChargeID          string
	CheckoutSessionID string
	DisputeID         string
	Amount            int64
	Currency          string
	Urgent            bool
	EvidenceDueBy     time.Time
	// Evidence is the processor's facts at detection, shown to staff.
	Evidence map[string]any
}

// accessUntil is when the access the order granted ends: the entitlement
// it extended, if it was ever served. Zero when it was not.
func (s *Service) accessUntil(ctx context.Context, tx Tx, o Order) (time.Time, error) {
	if !o.Served() || o.AccountID == nil {
		return time.Time{}, nil
	}
	if _, err := tx.GrantEnd(ctx, o.ID); apperr.Is(err, apperr.NotFound) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, err
	}
	e, err := tx.Entitlement(ctx, *o.AccountID, o.PlanCode)
	if apperr.Is(err, apperr.NotFound) {
		return time.Time{}, nil
	}
	return e.ValidUntil, err
}

func chargeEvidence(ch Charge) map[string]any {
	return map[string]any{
		"id": ch.ID, "payment_intent": ch.PaymentIntentID, "amount": ch.Amount, "amount_refunded": ch.AmountRefunded,
		"currency": ch.Currency, "status": ch.Status, "refunded": ch.Refunded, "disputed": ch.Disputed, "created": ch.Created,
	}
}

// orderEvidence has the keys of the sweep's order evidence.
func orderEvidence(o Order) map[string]any {
	return map[string]any{
		"id": o.ID, "public_ref": o.PublicRef, "email": o.Email, "plan": o.PlanCode, "amount": o.Amount,
		"currency": o.Currency, "status": o.Status, "fulfilled_via": o.FulfilledVia,
		"payment_intent": o.PaymentIntentID, "paid_at": o.PaidAt, "fulfilled_at": o.FulfilledAt,
	}
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
