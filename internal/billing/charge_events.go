package billing

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
)

// The effects of expiries, refunds and disputes, applied in the event's
// transaction with the facts the processor gave. Access is never revoked
// here: a refund or dispute on a served order opens a mismatch at once, and
// a person decides.

// disputeWonResolution is what a dispute mismatch says when the processor
// reports the dispute won, whichever event told us.
const disputeWonResolution = "dispute won at the processor; the money stays"

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

// chargeRefunded records a full refund on the order the charge paid for
// and, when that order granted access that has not run out, opens a
// refunded_active mismatch (subject: the charge, as the sweep's).
func (s *Service) chargeRefunded(ctx context.Context, tx Tx, ch Charge, eventID string) error {
	o, found, err := s.orderForCharge(ctx, tx, ch)
	if err != nil {
		return err
	}
	if !found {
		return s.renewalRefunded(ctx, tx, ch, eventID)
	}
	o, err = s.moveOrder(ctx, tx, o, StatusRefunded, "refunded", map[string]any{"charge": ch.ID, "event": eventID},
		StatusFulfilled, StatusPaid, StatusDisputed)
	if err != nil {
		return err
	}
	return s.refundedWithAccess(ctx, tx, ch, o, o.PaymentIntentID, o.Amount, eventID, nil)
}

// renewalRefunded handles a full refund of a renewal's charge: the order
// (the first purchase) keeps its status, the timeline says which invoice
// was refunded, and a refunded_active mismatch opens while access runs.
// A charge that paid no invoice of ours is none of our business.
func (s *Service) renewalRefunded(ctx context.Context, tx Tx, ch Charge, eventID string) error {
	in, orderID, err := tx.FindChargeInvoice(ctx, ch)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	o, err := tx.LockOrder(ctx, orderID)
	if err != nil {
		return err
	}
	invoice := invoiceEvidence(in)
	if err := tx.AddOrderEvent(ctx, o.ID, "renewal_refunded", map[string]any{"invoice": in.ID, "charge": ch.ID, "event": eventID}); err != nil {
		return err
	}
	return s.refundedWithAccess(ctx, tx, ch, o, ch.PaymentIntentID, in.Amount, eventID, invoice)
}

// invoiceEvidence is what a mismatch's evidence says of the renewal
// invoice a charge paid.
func invoiceEvidence(in InvoiceRecord) map[string]any {
	return map[string]any{"id": in.ID, "subscription": in.SubscriptionID, "amount": in.Amount,
		"currency": in.Currency, "period_start": in.PeriodStart, "period_end": in.PeriodEnd}
}

// refundedWithAccess opens a refunded_active mismatch (subject: the
// charge, as the sweep's) when the order's access has not run out. Access
// is never revoked here: a person decides.
func (s *Service) refundedWithAccess(ctx context.Context, tx Tx, ch Charge, o Order, paymentIntentID string,
	amount int64, eventID string, invoice map[string]any) error {
	until, err := s.accessUntil(ctx, tx, o)
	if err != nil || !until.After(s.now()) {
		return err
	}
	evidence := map[string]any{
		"refund": map[string]any{"charge": ch.ID, "refunded_total": ch.AmountRefunded, "charge_refunded": ch.Refunded},
		"charge": chargeEvidence(ch), "order": orderEvidence(o), "access_until": until,
		"source": "webhook", "event": eventID,
	}
	if invoice != nil {
		evidence["invoice"] = invoice
	}
	_, err = tx.OpenMismatch(ctx, MismatchReport{
		Kind: KindRefundedActive, Subject: ch.ID, SubjectAt: ch.Created, OrderID: o.ID, Email: o.Email,
		PaymentIntentID: paymentIntentID, ChargeID: ch.ID, CheckoutSessionID: o.CheckoutSessionID,
		Amount: amount, Currency: o.Currency, Evidence: evidence,
	})
	return err
}

// syncDispute brings our side in line with the dispute's status at the
// processor. Open: the order says disputed and an urgent disputed mismatch
// (subject: the dispute, as the sweep's) is opened or updated. Won: that
// mismatch is resolved, or recorded resolved, and a served order is
// fulfilled again. Lost: the mismatch stays open for a person, its
// evidence saying lost.
func (s *Service) syncDispute(ctx context.Context, tx Tx, d Dispute, ch Charge, eventID string) error {
	o, found, err := s.orderForCharge(ctx, tx, ch)
	if err != nil {
		return err
	}
	if !found {
		// A renewal's charge: the mismatch names the subscription's order,
		// whose first purchase keeps its status.
		return s.renewalDisputed(ctx, tx, d, ch, eventID)
	}
	detail := map[string]any{"dispute": d.ID, "status": d.Status, "charge": ch.ID, "event": eventID}
	switch {
	case d.Won() && o.Served():
		o, err = s.moveOrder(ctx, tx, o, StatusFulfilled, "dispute_won", detail, StatusDisputed)
	case !d.Won():
		o, err = s.moveOrder(ctx, tx, o, StatusDisputed, "disputed", detail, StatusFulfilled, StatusPaid)
	}
	if err != nil {
		return err
	}
	return settleDispute(ctx, tx, d, disputeMismatch(d, ch, o, true, eventID))
}

// renewalDisputed opens, updates or resolves the dispute's mismatch for a
// charge that paid a renewal invoice of ours (or no order of ours at all),
// tied to the subscription's order when there is one.
func (s *Service) renewalDisputed(ctx context.Context, tx Tx, d Dispute, ch Charge, eventID string) error {
	var o Order
	in, orderID, err := tx.FindChargeInvoice(ctx, ch)
	found := err == nil
	if found {
		if o, err = tx.LockOrder(ctx, orderID); err != nil {
			return err
		}
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	m := disputeMismatch(d, ch, o, found, eventID)
	if found {
		m.Evidence["invoice"] = invoiceEvidence(in)
	}
	return settleDispute(ctx, tx, d, m)
}

// settleDispute resolves the dispute's mismatch when the processor says it
// was won, and opens or updates it otherwise.
func settleDispute(ctx context.Context, tx Tx, d Dispute, m MismatchReport) error {
	if d.Won() {
		return tx.ResolveMismatch(ctx, m, disputeWonResolution)
	}
	_, err := tx.OpenMismatch(ctx, m)
	return err
}

func disputeMismatch(d Dispute, ch Charge, o Order, found bool, eventID string) MismatchReport {
	m := MismatchReport{
		Kind: KindDisputed, Subject: d.ID, SubjectAt: d.Created, Email: firstNonEmpty(o.Email, ch.ReceiptEmail, ch.BillingEmail),
		PaymentIntentID: d.PaymentIntentID, ChargeID: d.ChargeID, DisputeID: d.ID,
		Amount: d.Amount, Currency: d.Currency, Urgent: true, EvidenceDueBy: d.EvidenceDueBy,
		Evidence: map[string]any{
			"dispute": map[string]any{
				"id": d.ID, "status": d.Status, "reason": d.Reason, "amount": d.Amount, "currency": d.Currency,
				"evidence_due_by": d.EvidenceDueBy, "created": d.Created, "charge": d.ChargeID,
				"payment_intent": d.PaymentIntentID, "is_charge_refundable": d.IsChargeRefundable,
			},
			"charge": chargeEvidence(ch), "source": "webhook", "event": eventID,
		},
	}
	if found {
		m.OrderID = o.ID
		m.Evidence["order"] = orderEvidence(o)
	}
	return m
}

// orderForCharge finds and locks the order a charge paid for, by its
// payment intent or the order named in its metadata.
func (s *Service) orderForCharge(ctx context.Context, tx Tx, ch Charge) (Order, bool, error) {
	p := PaidCheckout{PaymentIntentID: ch.PaymentIntentID}
	applyMetadata(&p, ch.Metadata)
	if !p.Linked() && p.PaymentIntentID == "" {
		return Order{}, false, nil
	}
	id, err := tx.FindOrderForPayment(ctx, p)
	if apperr.Is(err, apperr.NotFound) {
		return Order{}, false, nil
	} else if err != nil {
		return Order{}, false, err
	}
	o, err := tx.LockOrder(ctx, id)
	return o, err == nil, err
}

// moveOrder sets the order's status when it is one of from, with a
// timeline row, and returns the order as it now is; an order already
// there, or elsewhere, is left alone.
func (s *Service) moveOrder(ctx context.Context, tx Tx, o Order, status, kind string, detail map[string]any, from ...string) (Order, error) {
	moved, err := tx.SetStatus(ctx, o.ID, status, from...)
	if err != nil || !moved {
		return o, err
	}
	s.logger.InfoContext(ctx, "order status from the processor", "order_id", o.ID, "from", o.Status, "to", status)
	o.Status = status
	return o, tx.AddOrderEvent(ctx, o.ID, kind, detail)
}
