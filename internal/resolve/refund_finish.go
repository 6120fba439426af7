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

// finishRefund records a refund the processor made, in one transaction:
// the period withdrawn, the order refunded, the email, the mismatch and
// the audit row. Only the request holding the refund written down
// finishes it; of two that raced with the same key, the other is told.
func (s *Service) finishRefund(ctx context.Context, req RefundRequest, intent store.PendingRefund,
	rf billing.Refund, after billing.Charge) (Result, error) {
	full := after.Refunded || after.AmountRefunded >= after.Amount
	info := reasons[RefundReason(intent.Reason)]
	now := s.now().UTC()
	var res Result
	err := s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMismatch(ctx, req.MismatchID)
		if err != nil {
			return notFound(err)
		}
		if m.PendingRefund == nil || m.PendingRefund.Key != intent.Key {
			if m.Status != statusOpen {
				return apperr.New(apperr.Conflict, alreadyDone(m, now))
			}
			return apperr.New(apperr.Conflict, stale(m, now))
		}
		order, err := paymentOrder(ctx, tx, m.PaymentIntentID)
		if err != nil {
			return err
		}
		d := map[string]string{
			"refund": rf.ID, "refund_amount": fmt.Sprint(rf.Amount), "currency": rf.Currency, "reason": intent.Reason,
			"comment": intent.Comment, "idempotency_key": intent.Key, "requested_by": intent.Actor,
			"payment_intent": m.PaymentIntentID, "charge": after.ID, "charge_amount": fmt.Sprint(after.Amount),
			"amount_refunded": fmt.Sprint(after.AmountRefunded), "refunded_in_full": fmt.Sprint(full),
			"fetched_at": now.Format(time.RFC3339),
		}
		var w store.Withdrawal
		if order != nil && full {
			if w, err = s.refundOrder(ctx, tx, *order, rf, intent, info.withdraws); err != nil {
				return err
			}
			d["order_id"] = fmt.Sprint(order.ID)
			if w.Withdrawn {
				d["withdrawn_from"], d["withdrawn_until"] = w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339)
				d["valid_until"] = w.ValidUntil.Format(time.RFC3339)
			}
		}
		e, err := s.refundEmailFor(ctx, tx, m, order, after, rf, info)
		if err != nil {
			return err
		}
		queued, err := s.queueRefund(ctx, tx, e)
		if err != nil {
			return err
		}
		d["email_queued"] = fmt.Sprint(queued)
		res = refundResult(m, order, rf, after, full, w, e, queued)
		change := store.MismatchChange{ID: m.ID, Actor: req.Actor.Email, At: now, SetPending: true}
		action := stepRefundPartial
		if full {
			action, change.Close, change.Resolution = ActionRefund, statusResolved, refundResolution(req, intent, rf, w)
		} else {
			change.Note = fmt.Sprintf("[%s] %s: refunded %s (%s)%s\n", now.Format("2006-01-02 15:04 UTC"), req.Actor.Email,
				billing.FormatMoney(rf.Amount, rf.Currency), intent.Reason, commentSuffix(intent.Comment))
		}
		change.Action = string(action)
		if res.Version, err = tx.UpdateMismatch(ctx, change); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(req.Actor, action, m, d))
	})
	return res, err
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

func refundResult(m store.MismatchState, order *billing.Order, rf billing.Refund, after billing.Charge,
	full bool, w store.Withdrawal, e refundEmail, queued bool) Result {
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

func refundResolution(req RefundRequest, intent store.PendingRefund, rf billing.Refund, w store.Withdrawal) string {
	s := fmt.Sprintf("Refunded %s by %s (%s), refund %s; the payment is now refunded in full",
		billing.FormatMoney(rf.Amount, rf.Currency), req.Actor.Email, intent.Reason, rf.ID)
	if w.Withdrawn {
		s += fmt.Sprintf("; withdrew the period %s to %s, access now ends %s", day(w.From), day(w.Until), day(w.ValidUntil))
	}
	return s + commentSuffix(intent.Comment) + "."
}

func commentSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}
