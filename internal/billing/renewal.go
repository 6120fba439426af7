package billing

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fault"
)

// Renewals (DESIGN section 5, "Subscriptions: the year after"): every paid
// invoice of a subscription is a grant of its own, keyed by the invoice, so
// a missed invoice.paid or a crash before the grant is healed like a stuck
// order, by whichever path sees the invoice next.

// FromInvoice reads the facts of a subscription invoice the processor
// returned, with its subscription.
func FromInvoice(in Invoice, sub Subscription) PaidCheckout {
	p := PaidCheckout{
		PaymentIntentID: in.PaymentIntentID, ChargeID: in.ChargeID, Amount: in.AmountPaid,
		Currency: in.Currency, Email: in.Email, PaidAt: in.PaidAt, Invoice: &in, Subscription: &sub,
	}
	md := sub.Metadata
	if len(md) == 0 {
		md = in.SubscriptionMetadata
	}
	applyMetadata(&p, md)
	if p.PaidAt.IsZero() {
		p.PaidAt = in.Created
	}
	return p
}

// subscriptionOrder finds and locks the order that bought the subscription,
// by the links its metadata carries (public reference first: ids repeat
// after a restore from an old backup). Locking the order serializes every
// path handling one subscription.
func (s *Service) subscriptionOrder(ctx context.Context, tx Tx, p PaidCheckout) (Order, error) {
	if p.OrderID == 0 && p.PublicRef == "" {
		return Order{}, apperr.New(apperr.NotFound, "subscription names no order of ours")
	}
	id, err := tx.FindOrderForPayment(ctx, PaidCheckout{OrderID: p.OrderID, PublicRef: p.PublicRef})
	if err != nil {
		return Order{}, err
	}
	return tx.LockOrder(ctx, id)
}

// fulfillRenewal grants a paid renewal invoice's period, once per invoice.
func (s *Service) fulfillRenewal(ctx context.Context, tx Tx, p PaidCheckout, via Via) (Outcome, error) {
	in, sub := *p.Invoice, *p.Subscription
	if !in.Paid {
		return Outcome{}, apperr.New(apperr.Invalid, "invoice "+in.ID+" is not paid")
	}
	o, err := s.subscriptionOrder(ctx, tx, p)
	if err != nil {
		return Outcome{}, err
	}
	if !o.Served() {
		// The purchase itself was never served (refunded, held, lost):
		// a renewal does not serve it behind a person's back.
		return Outcome{}, apperr.New(apperr.Conflict, "renewal of an order that was never served")
	}
	accountID, err := tx.UpsertAccount(ctx, o.Email)
	if err != nil {
		return Outcome{}, err
	}
	if err := tx.UpsertSubscription(ctx, recordOf(sub, o, accountID)); err != nil {
		return Outcome{}, err
	}
	granted, err := tx.LockInvoice(ctx, invoiceRecordOf(in))
	if err != nil {
		return Outcome{}, err
	}
	if granted {
		return Outcome{Order: o, Already: true}, nil
	}
	plan, err := tx.Plan(ctx, o.PlanCode)
	if err != nil {
		return Outcome{}, err
	}
	if in.AmountPaid != plan.Amount || in.Currency != plan.Currency {
		return Outcome{Order: o, Held: HoldAmountMismatch}, s.renewalAmountMismatch(ctx, tx, o, in)
	}
	until, err := tx.GrantInvoice(ctx, InvoiceGrant{
		InvoiceID: in.ID, SubscriptionID: sub.ID, AccountID: accountID, OrderID: o.ID,
		PlanCode: plan.Code, Until: in.PeriodEnd, Via: via, Extend: true,
	})
	if err != nil {
		return Outcome{}, err
	}
	const template = "renewal_receipt"
	_, err = tx.QueueEmail(ctx, Email{
		Template: template, To: o.Email, OrderID: o.ID, DedupeKey: "invoice:" + in.ID + ":" + template,
		PlanName: plan.Name, Amount: FormatMoney(in.AmountPaid, in.Currency), PublicRef: o.PublicRef,
		StatusURL: s.StatusURL(o.PublicRef), ValidUntil: until,
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("queue %s email: %w", template, err)
	}
	detail := map[string]any{"via": string(via), "invoice": in.ID, "subscription": sub.ID,
		"period_end": in.PeriodEnd, "email": template}
	if err := tx.AddOrderEvent(ctx, o.ID, "renewed", detail); err != nil {
		return Outcome{}, err
	}
	s.logger.InfoContext(ctx, "renewal granted", "order_id", o.ID, "invoice", in.ID, "via", via, "until", until)
	s.faults.Hit(fault.FulfillBeforeCommit)
	return Outcome{Order: o, Fulfilled: true, ValidUntil: until, Template: template}, nil
}

// renewalAmountMismatch queues a renewal that charged another amount than
// the plan's: a person decides, nothing is granted.
func (s *Service) renewalAmountMismatch(ctx context.Context, tx Tx, o Order, in Invoice) error {
	_, err := tx.OpenMismatch(ctx, MismatchReport{
		Kind: KindAmountMismatch, Subject: "invoice:" + in.ID, OrderID: o.ID, Email: o.Email,
		PaymentIntentID: in.PaymentIntentID, ChargeID: in.ChargeID, Amount: in.AmountPaid, Currency: in.Currency,
		Evidence: map[string]any{"invoice": in.ID, "subscription": in.SubscriptionID, "plan": o.PlanCode},
	})
	return err
}

// recordFirstInvoice records the subscription the order bought and its
// first invoice as granted by the order (whose own grant gave the access).
// When out is the grant just made in this transaction, its account and
// end are the ones just written, and are not read again.
func (s *Service) recordFirstInvoice(ctx context.Context, tx Tx, out Outcome, p PaidCheckout, via Via) error {
	o := out.Order
	if o.Status != StatusFulfilled {
		return nil
	}
	granted := out.Fulfilled && o.AccountID != nil
	var accountID int64
	if granted {
		accountID = *o.AccountID
	} else {
		var err error
		if accountID, err = tx.UpsertAccount(ctx, o.Email); err != nil {
			return err
		}
	}
	if err := tx.UpsertSubscription(ctx, recordOf(*p.Subscription, o, accountID)); err != nil {
		return err
	}
	done, err := tx.LockInvoice(ctx, invoiceRecordOf(*p.Invoice))
	if err != nil || done {
		return err
	}
	until := out.ValidUntil
	if !granted {
		if until, err = tx.GrantEnd(ctx, o.ID); err != nil {
			return err
		}
	}
	_, err = tx.GrantInvoice(ctx, InvoiceGrant{
		InvoiceID: p.Invoice.ID, SubscriptionID: p.Subscription.ID, AccountID: accountID, OrderID: o.ID,
		PlanCode: o.PlanCode, Until: until, Via: via,
	})
	return err
}

// renewalFailed keeps a subscription whose renewal failed served through
// the grace (the period's end plus RENEWAL_GRACE) and tells the customer
// once per invoice, with the processor's page to pay it.
func (s *Service) renewalFailed(ctx context.Context, tx Tx, in Invoice, sub Subscription) (Outcome, error) {
	p := FromInvoice(in, sub)
	o, err := s.subscriptionOrder(ctx, tx, p)
	if err != nil {
		return Outcome{}, err
	}
	accountID, err := tx.UpsertAccount(ctx, o.Email)
	if err != nil {
		return Outcome{}, err
	}
	if err := tx.UpsertSubscription(ctx, recordOf(sub, o, accountID)); err != nil {
		return Outcome{}, err
	}
	granted, err := tx.LockInvoice(ctx, invoiceRecordOf(in))
	if err != nil || granted || in.Paid || !o.Served() {
		return Outcome{Order: o}, err
	}
	graceEnd := GraceEnd(in.PeriodStart, s.renewalGrace)
	until, err := tx.KeepAccessUntil(ctx, accountID, o.PlanCode, graceEnd)
	if err != nil {
		return Outcome{}, err
	}
	plan, err := tx.Plan(ctx, o.PlanCode)
	if err != nil {
		return Outcome{}, err
	}
	const template = "payment_failed"
	queued, err := tx.QueueEmail(ctx, Email{
		Template: template, To: o.Email, OrderID: o.ID, DedupeKey: "invoice:" + in.ID + ":" + template,
		PlanName: plan.Name, Amount: FormatMoney(in.AmountDue, in.Currency), PublicRef: o.PublicRef,
		StatusURL: s.StatusURL(o.PublicRef), ValidUntil: until, InvoiceURL: in.HostedURL,
		Reason: "your bank declined the card",
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("queue %s email: %w", template, err)
	}
	if queued {
		detail := map[string]any{"invoice": in.ID, "subscription": sub.ID, "access_until": until}
		if err := tx.AddOrderEvent(ctx, o.ID, "renewal_failed", detail); err != nil {
			return Outcome{}, err
		}
	}
	return Outcome{Order: o}, nil
}

// subscriptionChanged records the processor's status and period. Access is
// never shortened here: a cancelled subscription keeps its paid period, and
// one ended unpaid keeps the grace its failed invoice gave.
func (s *Service) subscriptionChanged(ctx context.Context, tx Tx, sub Subscription) (Outcome, error) {
	p := PaidCheckout{Subscription: &sub}
	applyMetadata(&p, sub.Metadata)
	o, err := s.subscriptionOrder(ctx, tx, p)
	if apperr.Is(err, apperr.NotFound) {
		return Outcome{}, nil // not a subscription we sold
	}
	if err != nil {
		return Outcome{}, err
	}
	accountID, err := tx.UpsertAccount(ctx, o.Email)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Order: o}, tx.UpsertSubscription(ctx, recordOf(sub, o, accountID))
}

// prepareInvoice reads an invoice and its subscription from the processor
// (never the event's payload): a paid one is served through Fulfill, a
// failed one starts the grace.
func (s *Service) prepareInvoice(ctx context.Context, id string, via Via) (effect, error) {
	in, err := s.proc.GetInvoice(ctx, id)
	if err != nil || in.SubscriptionID == "" {
		return nil, err
	}
	sub, err := s.invoiceSubscription(ctx, in)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Paid:
		facts, err := s.withCharge(ctx, FromInvoice(in, sub), in.Charge)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, tx Tx) (Outcome, error) {
			return s.FulfillTx(ctx, tx, facts, via)
		}, nil
	case in.Status == "open" && in.AttemptCount > 0:
		return func(ctx context.Context, tx Tx) (Outcome, error) {
			return s.renewalFailed(ctx, tx, in, sub)
		}, nil
	}
	return nil, nil
}

// prepareSubscription reads a subscription from the processor.
func (s *Service) prepareSubscription(ctx context.Context, id string) (effect, error) {
	sub, err := s.proc.GetSubscription(ctx, id)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx Tx) (Outcome, error) {
		return s.subscriptionChanged(ctx, tx, sub)
	}, nil
}

// invoiceSubscription is the invoice's subscription: the one expanded in
// it, else read.
func (s *Service) invoiceSubscription(ctx context.Context, in Invoice) (Subscription, error) {
	if sub := in.Subscription; sub != nil && sub.ID == in.SubscriptionID {
		return *sub, nil
	}
	return s.proc.GetSubscription(ctx, in.SubscriptionID)
}

// withSubscription adds to a subscription-mode session's facts its first
// invoice and subscription, so the purchase is recorded with them.
func (s *Service) withSubscription(ctx context.Context, p PaidCheckout, sess Session) (PaidCheckout, error) {
	if sess.InvoiceID == "" || sess.SubscriptionID == "" || !sess.Paid() {
		return p, nil
	}
	// Taken from the session when it came with them expanded.
	in, sub := sess.Invoice, sess.Subscription
	if in == nil || in.ID != sess.InvoiceID {
		read, err := s.proc.GetInvoice(ctx, sess.InvoiceID)
		if err != nil {
			return p, err
		}
		in = &read
	}
	if sub == nil || sub.ID != sess.SubscriptionID {
		read, err := s.proc.GetSubscription(ctx, sess.SubscriptionID)
		if err != nil {
			return p, err
		}
		sub = &read
	}
	if in.First() {
		inv, subscription := *in, *sub
		p.Invoice, p.Subscription = &inv, &subscription
	}
	return p, nil
}
