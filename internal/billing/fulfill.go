package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fault"
)

// Outcome says what one Fulfill call did.
type Outcome struct {
	Order Order
	// Fulfilled is true only for the one call that granted access.
	Fulfilled bool
	// Already is true when an earlier call had served the order.
	Already bool
	// Held names why the payment could not be served automatically: a
	// person must finish the order (a Hold reason).
	Held string
	// Unserved is the order's new status, refunded or disputed, when the
	// money went back or is contested before access was granted: nothing
	// is served and nobody is asked to serve it.
	Unserved string
	// DuplicateOf is the earlier order a payment made outside our checkout
	// repeats (same email and plan within PriorWindow): the payment is held
	// as a duplicate_payment mismatch and serves nothing.
	DuplicateOf int64
	ValidUntil  time.Time
	Template    string
}

// ErrUnmatched is returned (kind NotFound) for a succeeded payment that
// names no order of ours and lacks the email or plan to rebuild one.
var ErrUnmatched = apperr.New(apperr.NotFound, "payment matches no order and cannot be rebuilt")

// Fulfill grants access for a payment the processor confirmed, in its own
// transaction. It is the one path to access: return page, webhook, event
// catch-up, sweep and staff all call it, and concurrent or repeated calls for
// one payment give exactly one effect.
func (s *Service) Fulfill(ctx context.Context, p PaidCheckout, via Via) (Outcome, error) {
	var out Outcome
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		out, err = s.FulfillTx(ctx, tx, p, via)
		return err
	})
	if err != nil {
		return Outcome{}, err
	}
	if out.Fulfilled {
		s.faults.Hit(fault.FulfillAfterCommit)
	}
	return out, nil
}

// FulfillTx is Fulfill inside the caller's transaction, for paths that must
// commit other writes atomically with it (a processor event marked handled).
// The caller hits fault.FulfillAfterCommit after its commit. A paid
// renewal invoice is a grant of its own period (renewal.go); the first
// invoice of a subscription is its order, and is recorded as granted too.
func (s *Service) FulfillTx(ctx context.Context, tx Tx, p PaidCheckout, via Via) (Outcome, error) {
	if p.Invoice != nil && !p.Invoice.First() {
		return s.fulfillRenewal(ctx, tx, p, via)
	}
	out, err := s.fulfillOrder(ctx, tx, p, via)
	if err == nil && p.Invoice != nil && p.Subscription != nil && (out.Fulfilled || out.Already) {
		err = s.recordFirstInvoice(ctx, tx, out, p, via)
	}
	return out, err
}

func (s *Service) fulfillOrder(ctx context.Context, tx Tx, p PaidCheckout, via Via) (Outcome, error) {
	o, err := s.lockOrderFor(ctx, tx, p)
	if earlier, dup := asDuplicate(err); dup {
		return s.holdDuplicate(ctx, tx, p, earlier)
	}
	if err != nil {
		return Outcome{}, err
	}
	if o.Served() {
		return Outcome{Order: o, Already: true}, nil
	}
	if p.Refunded || p.Disputed || o.Status == StatusRefunded || o.Status == StatusDisputed {
		// The money went back (or is contested) before access was ever
		// granted, as when the completion's event is handled after the
		// refund: never serve it automatically.
		return s.unserved(ctx, tx, o, p)
	}
	plan, err := tx.Plan(ctx, o.PlanCode)
	if err != nil {
		return Outcome{}, err
	}
	if p.Amount != plan.Amount || p.Currency != plan.Currency {
		return s.hold(ctx, tx, o, p, HoldAmountMismatch)
	}
	out, err := s.grant(ctx, tx, o, plan, p, via)
	if err != nil {
		return Outcome{}, err
	}
	s.faults.Hit(fault.FulfillBeforeCommit)
	return out, nil
}

func (s *Service) grant(ctx context.Context, tx Tx, o Order, plan Plan, p PaidCheckout, via Via) (Outcome, error) {
	now := s.now().UTC()
	accountID, err := tx.UpsertAccount(ctx, o.Email)
	if err != nil {
		return Outcome{}, err
	}
	until, err := tx.GrantEntitlement(ctx, Grant{OrderID: o.ID, AccountID: accountID, Plan: plan, Now: now})
	if err != nil {
		return Outcome{}, err
	}
	template := s.fulfilmentTemplate(via, p.PaidAt, now)
	// The payment's facts and the timeline's entry are recorded with the
	// fulfilment, in one statement.
	if err := tx.MarkFulfilled(ctx, Fulfilment{
		OrderID: o.ID, AccountID: accountID, Payment: p, Via: via, At: now,
		Detail: map[string]any{"via": string(via), "payment_intent": p.PaymentIntentID, "email": template},
	}); err != nil {
		return Outcome{}, err
	}
	_, err = tx.QueueEmail(ctx, Email{
		Template: template, To: o.Email, OrderID: o.ID,
		DedupeKey: fmt.Sprintf("order:%d:%s", o.ID, template),
		PlanName:  plan.Name, Amount: plan.Price(), PublicRef: o.PublicRef,
		StatusURL: s.StatusURL(o.PublicRef), ValidUntil: until,
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("queue %s email: %w", template, err)
	}
	o.Status, o.FulfilledVia, o.FulfilledAt, o.AccountID = StatusFulfilled, string(via), &now, &accountID
	s.logger.InfoContext(ctx, "order fulfilled", "order_id", o.ID, "via", via, "email_template", template)
	return Outcome{Order: o, Fulfilled: true, ValidUntil: until, Template: template}, nil
}

// fulfilmentTemplate picks the confirmation when access followed the payment
// within a minute through the customer's own flow, and the recovery email
// ("sorry for the wait") when it came later, through a repair path, or from a
// process that restarted after the payment (a crash the customer saw).
func (s *Service) fulfilmentTemplate(via Via, paidAt, now time.Time) string {
	prompt := via == ViaReturnPage || via == ViaWebhook
	// The processor's times have whole seconds: compare at that precision.
	restarted := s.started.Truncate(time.Second).After(paidAt)
	if prompt && !paidAt.IsZero() && now.Sub(paidAt) <= time.Minute && !restarted {
		return "order_confirmation"
	}
	return "delayed_fulfillment"
}

func (s *Service) hold(ctx context.Context, tx Tx, o Order, p PaidCheckout, reason string) (Outcome, error) {
	if err := tx.RecordPayment(ctx, o.ID, p, StatusPaid); err != nil {
		return Outcome{}, err
	}
	detail := map[string]any{"reason": reason, "amount": p.Amount, "currency": p.Currency, "payment_intent": p.PaymentIntentID}
	if err := tx.AddOrderEvent(ctx, o.ID, "held", detail); err != nil {
		return Outcome{}, err
	}
	if _, err := s.QueueHoldingEmailTx(ctx, tx, o, p, reason); err != nil {
		return Outcome{}, err
	}
	o.Status = StatusPaid
	s.logger.WarnContext(ctx, "payment held for a person", "order_id", o.ID, "reason", reason)
	return Outcome{Order: o, Held: reason}, nil
}

// unserved records a payment refunded or disputed before it was served: the
// order takes that status and its timeline says why; no access, no email.
func (s *Service) unserved(ctx context.Context, tx Tx, o Order, p PaidCheckout) (Outcome, error) {
	status := StatusRefunded
	if p.Disputed || o.Status == StatusDisputed {
		status = StatusDisputed
	}
	if err := tx.RecordPayment(ctx, o.ID, p, status); err != nil {
		return Outcome{}, err
	}
	detail := map[string]any{"reason": status + "_before_fulfilment", "payment_intent": p.PaymentIntentID}
	if err := tx.AddOrderEvent(ctx, o.ID, "not_served", detail); err != nil {
		return Outcome{}, err
	}
	o.Status = status
	return Outcome{Order: o, Unserved: status}, nil
}
