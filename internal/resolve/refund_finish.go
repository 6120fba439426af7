package resolve

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// refunded is one refund the processor made, being recorded.
type refunded struct {
	req    RefundRequest
	intent store.PendingRefund
	rf     billing.Refund
	after  billing.Charge // the charge as read back after the refund
	full   bool           // nothing is left to refund
	info   reasonInfo
	// stopped is the subscription the payment paid for, canceled at the
	// processor so it never renews; nil when there is none or it stays.
	stopped *billing.Subscription
	now     time.Time
}

// fullyRefunded says nothing is left of the charge to refund.
func fullyRefunded(after billing.Charge) bool {
	return after.Refunded || after.AmountRefunded >= after.Amount
}

// finishRefund records a refund the processor made, in one transaction:
// the period withdrawn, the order refunded, the email, the mismatch and
// the audit row. Only a request holding the refund written down finishes
// it; of two that raced with the same key, the other is told.
func (s *Service) finishRefund(ctx context.Context, req RefundRequest, intent store.PendingRefund,
	rf billing.Refund, after billing.Charge, stopped *billing.Subscription) (Result, error) {
	r := refunded{req: req, intent: intent, rf: rf, after: after, info: reasons[RefundReason(intent.Reason)],
		full: fullyRefunded(after), stopped: stopped, now: s.now().UTC()}
	var res Result
	err := s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMismatch(ctx, req.MismatchID)
		if err != nil {
			return notFound(err)
		}
		if m.PendingRefund == nil || m.PendingRefund.Key != intent.Key {
			if m.Status != statusOpen {
				return apperr.New(apperr.Conflict, alreadyDone(m, r.now))
			}
			return apperr.New(apperr.Conflict, stale(m, r.now))
		}
		res, err = s.record(ctx, tx, m, r)
		return err
	})
	return res, err
}

func (s *Service) record(ctx context.Context, tx Tx, m store.MismatchState, r refunded) (Result, error) {
	order, err := paymentOrder(ctx, tx, m.PaymentIntentID)
	if err != nil {
		return Result{}, err
	}
	d := r.details(m)
	var w store.Withdrawal
	if order != nil && r.full {
		if w, err = s.refundOrder(ctx, tx, *order, r.rf, r.intent, r.info.withdraws); err != nil {
			return Result{}, err
		}
		d["order_id"] = fmt.Sprint(order.ID)
		if w.Withdrawn {
			d["withdrawn_from"], d["withdrawn_until"] = w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339)
			d["valid_until"] = w.ValidUntil.Format(time.RFC3339)
		}
	}
	e, err := s.refundEmailFor(ctx, tx, m, order, r.after, r.rf, r.info)
	if err != nil {
		return Result{}, err
	}
	queued, err := s.queueRefund(ctx, tx, e)
	if err != nil {
		return Result{}, err
	}
	d["email_queued"] = fmt.Sprint(queued)
	if r.stopped != nil {
		d["subscription_canceled"] = r.stopped.ID
	}
	res := refundResult(m, order, r, w, e, queued)
	change, action := r.change(m, w)
	if res.Version, err = tx.UpdateMismatch(ctx, change); err != nil {
		return Result{}, err
	}
	return res, tx.AppendAudit(ctx, audit(r.req.Actor, action, m, d))
}

// details are the audit row's facts: the refund, and the charge after it.
func (r refunded) details(m store.MismatchState) map[string]string {
	return map[string]string{
		"refund": r.rf.ID, "refund_amount": fmt.Sprint(r.rf.Amount), "currency": r.rf.Currency, "reason": r.intent.Reason,
		"comment": r.intent.Comment, "idempotency_key": r.intent.Key, "requested_by": r.intent.Actor,
		"payment_intent": m.PaymentIntentID, "charge": r.after.ID, "charge_amount": fmt.Sprint(r.after.Amount),
		"amount_refunded": fmt.Sprint(r.after.AmountRefunded), "refunded_in_full": fmt.Sprint(r.full),
		"fetched_at": r.now.Format(time.RFC3339),
	}
}

// change closes the mismatch after a full refund; after a partial one it
// stays open with a note, for the rest to be provisioned or refunded.
func (r refunded) change(m store.MismatchState, w store.Withdrawal) (store.MismatchChange, Action) {
	c := store.MismatchChange{ID: m.ID, Actor: r.req.Actor.Email, At: r.now, SetPending: true}
	action := stepRefundPartial
	if r.full {
		action, c.Close, c.Resolution = ActionRefund, statusResolved, refundResolution(r.req, r.intent, r.rf, w, r.stopped)
	} else {
		c.Note = fmt.Sprintf("[%s] %s: refunded %s (%s)%s\n", r.now.Format("2006-01-02 15:04 UTC"), r.req.Actor.Email,
			billing.FormatMoney(r.rf.Amount, r.rf.Currency), r.intent.Reason, commentSuffix(r.intent.Comment))
	}
	c.Action = string(action)
	return c, action
}

// paymentOrder is the order the refunded payment paid for, locked, or nil:
// the extra payment of a duplicate often has none of its own, and the
// order it names must then stay as it is.
func paymentOrder(ctx context.Context, tx Tx, paymentIntentID string) (*billing.Order, error) {
	o, err := tx.LockOrderByPaymentIntent(ctx, paymentIntentID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &o, nil
}

// refundOrder marks an order refunded in full and, for a reason that
// withdraws, takes back the period it granted, with timeline rows.
func (s *Service) refundOrder(ctx context.Context, tx Tx, o billing.Order, rf billing.Refund,
	intent store.PendingRefund, withdraws bool) (store.Withdrawal, error) {
	var w store.Withdrawal
	if withdraws {
		var err error
		if w, err = tx.WithdrawGrant(ctx, o.ID, s.now()); err != nil {
			return w, err
		}
		if w.Withdrawn {
			if err := tx.AddOrderEvent(ctx, o.ID, "access_withdrawn", map[string]any{
				"from": w.From, "until": w.Until, "valid_until": w.ValidUntil, "refund": rf.ID, "by": intent.Actor,
			}); err != nil {
				return w, err
			}
		}
	}
	_, err := tx.SetStatus(ctx, o.ID, billing.StatusRefunded,
		billing.StatusPending, billing.StatusPaid, billing.StatusFulfilled, billing.StatusExpired, billing.StatusFailed)
	if err != nil {
		return w, err
	}
	return w, tx.AddOrderEvent(ctx, o.ID, "refunded", map[string]any{
		"refund": rf.ID, "amount": rf.Amount, "reason": intent.Reason, "by": intent.Actor, "via": "staff"})
}

// refundEmailFor addresses refund_issued: to the order's address, else
// the one staff linked, else the processor's; about the payment's order,
// else the order the mismatch names (a duplicate's first purchase).
func (s *Service) refundEmailFor(ctx context.Context, tx Tx, m store.MismatchState, order *billing.Order,
	after billing.Charge, rf billing.Refund, info reasonInfo) (refundEmail, error) {
	about := order
	if about == nil && m.OrderID != nil {
		o, err := tx.LockOrder(ctx, *m.OrderID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return refundEmail{}, err
		} else if err == nil {
			about = &o
		}
	}
	e := refundEmail{
		amount: billing.FormatMoney(rf.Amount, rf.Currency), reason: info.customer, plan: "recent",
		ref: m.PaymentIntentID, key: "refund:" + rf.ID + ":refund_issued",
		to: firstUsable(m.LinkedEmail, m.Email, after.ReceiptEmail, after.BillingEmail),
	}
	if about != nil {
		e.order, e.to = about, firstUsable(about.Email, e.to)
		plan, err := tx.Plan(ctx, about.PlanCode)
		if err != nil {
			return refundEmail{}, err
		}
		e.plan = plan.Name
	}
	return e, nil
}

func refundResult(m store.MismatchState, order *billing.Order, r refunded, w store.Withdrawal, e refundEmail, queued bool) Result {
	rf, after, full := r.rf, r.after, r.full
	res := Result{MismatchID: m.ID, Status: statusOpen, RefundID: rf.ID}
	if order != nil {
		res.OrderID = order.ID
	}
	var msg strings.Builder
	if full {
		res.Status = statusResolved
		fmt.Fprintf(&msg, "Refunded %s", e.amount)
	} else {
		fmt.Fprintf(&msg, "Refunded %s of %s", e.amount, billing.FormatMoney(after.Amount, after.Currency))
	}
	if w.Withdrawn {
		fmt.Fprintf(&msg, "; the period it granted is withdrawn, so %s's access now ends %s", order.Email, day(w.ValidUntil))
	}
	if r.stopped != nil {
		fmt.Fprintf(&msg, "; its subscription %s is canceled at the processor, so it will not renew", r.stopped.ID)
	}
	switch {
	case queued:
		res.Emailed = e.to
		fmt.Fprintf(&msg, "; we emailed %s", e.to)
	case e.to == "":
		msg.WriteString("; there is no address to tell the customer")
	}
	if !full {
		msg.WriteString(". The mismatch stays open for what is left")
	}
	msg.WriteString(".")
	res.Message = msg.String()
	return res
}

func refundResolution(req RefundRequest, intent store.PendingRefund, rf billing.Refund, w store.Withdrawal,
	stopped *billing.Subscription) string {
	s := fmt.Sprintf("Refunded %s by %s (%s), refund %s; the payment is now refunded in full",
		billing.FormatMoney(rf.Amount, rf.Currency), req.Actor.Email, intent.Reason, rf.ID)
	if w.Withdrawn {
		s += fmt.Sprintf("; withdrew the period %s to %s, access now ends %s", day(w.From), day(w.Until), day(w.ValidUntil))
	}
	if stopped != nil {
		s += "; canceled subscription " + stopped.ID + " so it does not renew"
	}
	return s + commentSuffix(intent.Comment) + "."
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}
