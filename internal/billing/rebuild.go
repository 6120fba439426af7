package billing

import (
	"context"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
)

// lockOrderFor finds the order a payment belongs to and locks it. A
// payment whose order row is missing entirely (a crash before the insert
// was durable, a database restored from an older backup, a payment made
// outside our checkout) is rebuilt from what the processor knows: the
// email and the plan.
func (s *Service) lockOrderFor(ctx context.Context, tx Tx, p PaidCheckout) (Order, error) {
	o, err := tx.LockOrderForPayment(ctx, p)
	if err == nil || !apperr.Is(err, apperr.NotFound) {
		return o, err
	}
	id, err := s.rebuildOrder(ctx, tx, p)
	if err != nil {
		return Order{}, err
	}
	return tx.LockOrder(ctx, id)
}

// rebuildOrder inserts the order of a payment that matches none (see
// lockOrderFor), unless it repeats an earlier purchase or lacks the email
// or plan.
func (s *Service) rebuildOrder(ctx context.Context, tx Tx, p PaidCheckout) (int64, error) {
	plan, ok, err := PlanFor(ctx, tx, p)
	if err != nil {
		return 0, err
	}
	email := strings.TrimSpace(p.Email)
	if !ok || email == "" || p.PaymentIntentID == "" {
		return 0, ErrUnmatched
	}
	if !p.Linked() {
		earlier, dup, err := duplicateOf(ctx, tx, p, email, plan.Code)
		if err != nil {
			return 0, err
		}
		if dup {
			return 0, duplicateError{earlier}
		}
	}
	ref := p.PublicRef
	if ref == "" {
		ref = NewPublicRef()
	}
	o, err := tx.InsertOrder(ctx, Order{
		PublicRef: ref, Email: email, PlanCode: plan.Code,
		Amount: plan.Amount, Currency: plan.Currency, Status: StatusPending,
		IdempotencyKey: "payment:" + p.PaymentIntentID,
	})
	if err != nil {
		return 0, err
	}
	if err := tx.AddOrderEvent(ctx, o.ID, "rebuilt", map[string]any{"payment_intent": p.PaymentIntentID}); err != nil {
		return 0, err
	}
	s.logger.InfoContext(ctx, "order rebuilt from the processor", "order_id", o.ID, "payment_intent", p.PaymentIntentID)
	return o.ID, nil
}

// PlanFor names the plan a payment with no order bought: metadata.plan,
// else the one active plan whose amount and currency match exactly. Two
// matches are ambiguous; the bool is false when no plan can be named. Staff
// actions use it to say why a payment cannot be provisioned.
func PlanFor(ctx context.Context, tx Tx, p PaidCheckout) (Plan, bool, error) {
	if p.PlanCode != "" {
		plan, err := tx.Plan(ctx, p.PlanCode)
		if apperr.Is(err, apperr.NotFound) {
			return Plan{}, false, nil
		}
		return plan, err == nil, err
	}
	plans, err := tx.Plans(ctx, true)
	if err != nil {
		return Plan{}, false, err
	}
	var match []Plan
	for _, plan := range plans {
		if plan.Amount == p.Amount && plan.Currency == p.Currency {
			match = append(match, plan)
		}
	}
	if len(match) != 1 {
		return Plan{}, false, nil
	}
	return match[0], true, nil
}
