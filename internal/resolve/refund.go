package resolve

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// RefundRequest is the refund form: an amount (0 refunds everything not
// refunded yet), a reason from RefundReasons and an optional comment.
type RefundRequest struct {
	Request
	Amount  int64
	Reason  RefundReason
	Comment string
}

// Refund gives money back at the processor. It refuses, before anything
// is written, a payment the processor says is not succeeded, already
// refunded in full or disputed, and an amount over what is left. The
// refund is written down on the mismatch (with its idempotency key, from
// the mismatch, the page's version and the amount) and audited before the
// processor is asked, so a double click asks once and an answer lost on
// the way is finished later with the same key, never paid twice. Then, in
// one transaction: a full refund for a duplicate, a customer's request or
// fraud withdraws the period the payment granted; a full refund marks the
// payment's order refunded and resolves the mismatch (a partial one leaves
// it open, with a note); refund_issued is queued; the audit row is written.
//
// Errors: Invalid (the form, the facts, or the processor refused),
// Conflict (closed, stale, or another refund in flight), Unavailable (the
// processor could not be reached: the refund stays written down, and
// Refund from the reloaded page finishes it), Forbidden, NotFound.
func (s *Service) Refund(ctx context.Context, req RefundRequest) (Result, error) {
	comment, err := req.check()
	if err != nil {
		return Result{}, err
	}
	m, intent, err := s.refundIntent(ctx, req, comment)
	if err != nil {
		return Result{}, err
	}
	rf, err := s.proc.CreateRefund(ctx, billing.RefundRequest{
		IdempotencyKey: intent.Key, PaymentIntentID: m.PaymentIntentID, Amount: intent.Amount,
		Reason:   reasons[RefundReason(intent.Reason)].processor,
		Metadata: map[string]string{"mismatch_id": fmt.Sprint(m.ID), "staff": intent.Actor, "reason": intent.Reason},
	})
	if err != nil {
		return Result{}, s.refundFailed(ctx, req, intent, err)
	}
	chargeID := rf.ChargeID
	if chargeID == "" {
		chargeID = m.ChargeID
	}
	after, err := s.proc.GetCharge(ctx, chargeID)
	if err != nil {
		return Result{}, apperr.Wrap(apperr.Unavailable,
			"The refund went through, but we couldn't read the payment back from the processor: click Refund again to finish recording it.", err)
	}
	var stopped *billing.Subscription
	if fullyRefunded(after) && reasons[RefundReason(intent.Reason)].stops {
		if stopped, err = s.stopRenewing(ctx, after); err != nil {
			return Result{}, err
		}
	}
	res, err := s.finishRefund(ctx, req, intent, rf, after, stopped)
	if err == nil {
		s.logger.InfoContext(ctx, "mismatch refunded by staff", "mismatch_id", m.ID, "refund", rf.ID, "actor", req.Actor.Email)
	}
	return res, err
}

func (r RefundRequest) check() (comment string, err error) {
	if _, ok := reasons[r.Reason]; !ok {
		return "", apperr.New(apperr.Invalid, "Choose why you are refunding from the list.")
	}
	if r.Amount < 0 {
		return "", apperr.New(apperr.Invalid, "The amount to refund must be positive, or empty to refund it all.")
	}
	return cleanText("comment", r.Comment, maxComment)
}

// refundIntent returns the refund to ask the processor for. When a refund
// is in flight and the page was rendered after it was written, it is that
// one, to be finished with its own key. Otherwise a new one, checked
// against the processor's facts and written down first, under the row
// lock: of two clicks, the second finds the first's and is refused.
func (s *Service) refundIntent(ctx context.Context, req RefundRequest, comment string) (store.MismatchState, store.PendingRefund, error) {
	if err := checkActor(req.Actor); err != nil {
		return store.MismatchState{}, store.PendingRefund{}, err
	}
	m, err := s.store.MismatchForAction(ctx, req.MismatchID)
	if err != nil {
		return m, store.PendingRefund{}, notFound(err)
	}
	if err := fits(m.Kind, ActionRefund); err != nil {
		return m, store.PendingRefund{}, err
	}
	if p := m.PendingRefund; p != nil && m.Status == statusOpen && m.Version == req.Version {
		return m, *p, nil
	}
	if err := s.current(m, req.Version); err != nil {
		return m, store.PendingRefund{}, err
	}
	f, err := s.fetch(ctx, m)
	if err != nil {
		return m, store.PendingRefund{}, err
	}
	amount, err := refundable(f, req.Amount)
	if err != nil {
		return m, store.PendingRefund{}, s.staleOr(ctx, req.Request, err)
	}
	intent := store.PendingRefund{
		Key: refundKey(m.ID, req.Version, amount), Amount: amount, Currency: f.currency(),
		Reason: string(req.Reason), Comment: comment, Actor: req.Actor.Email, At: s.now().UTC(),
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		m, err := s.lock(ctx, tx, req.Request)
		if err != nil {
			return err
		}
		_, err = tx.UpdateMismatch(ctx, store.MismatchChange{ID: m.ID, Actor: req.Actor.Email,
			Action: string(stepRefundRequested), At: intent.At, SetPending: true, Pending: &intent})
		if err != nil {
			return err
		}
		d := f.details()
		d["refund_amount"], d["reason"], d["comment"], d["idempotency_key"] = fmt.Sprint(amount), intent.Reason, comment, intent.Key
		return tx.AppendAudit(ctx, audit(req.Actor, stepRefundRequested, m, d))
	})
	return m, intent, err
}

// refundKey is the refund's idempotency key. It comes from what was
// stored before the call (the mismatch, the version the person saw, the
// amount), so a retry after a crash or a lost answer reuses it, and a
// second, deliberate partial refund (from the page after the first) gets
// its own.
func refundKey(mismatchID int64, version int, amount int64) string {
	return fmt.Sprintf("backstop-mismatch-%d-v%d-refund-%d", mismatchID, version, amount)
}

// refundable checks the processor's facts and returns the amount to
// refund: want, or everything left when want is zero.
func refundable(f facts, want int64) (int64, error) {
	left := f.Charge.Amount - f.Charge.AmountRefunded
	switch {
	case !f.Payment.Succeeded() || f.Charge.ID == "":
		return 0, apperr.New(apperr.Invalid, fmt.Sprintf("The processor says this payment is %q: no money was taken, so there is nothing to refund.", f.Payment.Status))
	case f.Charge.Disputed:
		return 0, apperr.New(apperr.Invalid, "The processor says this payment is disputed: the bank is already taking the money back, "+
			"so a refund now could pay the customer twice. Answer the dispute instead.")
	case f.Charge.Refunded || left <= 0:
		return 0, apperr.New(apperr.Invalid, "The processor says this payment was already refunded in full.")
	case want > left:
		return 0, apperr.New(apperr.Invalid, fmt.Sprintf("You can refund at most %s: %s was paid and %s is already refunded.",
			billing.FormatMoney(left, f.currency()), billing.FormatMoney(f.Charge.Amount, f.currency()),
			billing.FormatMoney(f.Charge.AmountRefunded, f.currency())))
	case want == 0:
		return left, nil
	}
	return want, nil
}

// refundFailed keeps a refund whose outcome is unknown written down (the
// processor unreachable, or still working on the same key), so the next
// click finishes it with the same key. A refund the processor refused
// moved no money: it is crossed out, with an audit row.
func (s *Service) refundFailed(ctx context.Context, req RefundRequest, intent store.PendingRefund, cause error) error {
	switch apperr.KindOf(cause) {
	case apperr.Unavailable:
		return apperr.Wrap(apperr.Unavailable, "Couldn't reach the processor, try again: the refund is sent with the same key, so it can't be paid twice.", cause)
	case apperr.Conflict:
		return apperr.Wrap(apperr.Conflict, "The processor is still working on this refund: reload the page in a moment.", cause)
	case apperr.Invalid, apperr.NotFound:
	default:
		return cause
	}
	msg := "The processor refused the refund: " + apperr.SafeMessage(cause, "refused") + "."
	err := s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMismatch(ctx, req.MismatchID)
		if err != nil || m.PendingRefund == nil || m.PendingRefund.Key != intent.Key {
			return err
		}
		_, err = tx.UpdateMismatch(ctx, store.MismatchChange{ID: m.ID, Actor: req.Actor.Email,
			Action: string(stepRefundRefused), At: s.now(), SetPending: true})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(req.Actor, stepRefundRefused, m, map[string]string{
			"idempotency_key": intent.Key, "refund_amount": fmt.Sprint(intent.Amount), "processor_said": msg}))
	})
	if err != nil {
		return err
	}
	return apperr.Wrap(apperr.Invalid, msg, cause)
}
