package resolve

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// VerifyAndProvision re-reads the payment from the processor at click
// time, outside any transaction, and refuses with the reason when it is
// not succeeded, refunded, disputed, of an amount or currency other than
// its plan's, or has no address to serve. Otherwise, in one transaction
// under the mismatch's row lock: billing's Fulfill with fulfilled_via =
// staff, the support_resolution email, the mismatch resolved and one audit
// row with the facts seen. A payment someone else served meanwhile is
// resolved as already served, with no email.
//
// Errors: Invalid (the facts refuse it; it does not fit the kind),
// Conflict (closed, or changed since the page was rendered: the message
// says who did what and when), Unavailable (the processor could not be
// reached), Forbidden, NotFound.
func (s *Service) VerifyAndProvision(ctx context.Context, req Request) (Result, error) {
	m, err := s.precheck(ctx, req, ActionVerifyProvision)
	if err != nil {
		return Result{}, err
	}
	f, err := s.fetch(ctx, m)
	if err != nil {
		return Result{}, err
	}
	if why := f.provisionRefusal(); why != "" {
		return Result{}, s.staleOr(ctx, req, apperr.New(apperr.Invalid, why))
	}
	var res Result
	var fulfilled bool
	err = s.store.InTx(ctx, func(tx Tx) error {
		m, err := s.lock(ctx, tx, req)
		if err != nil {
			return err
		}
		p := f.paidCheckout(m)
		if err := checkServable(ctx, tx, m, f, &p); err != nil {
			return err
		}
		out, err := s.billing.FulfillByStaffTx(ctx, tx, p)
		if err != nil {
			return fulfilErr(err)
		}
		fulfilled = out.Fulfilled
		res, err = s.provisioned(ctx, tx, req, m, f, out)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	if fulfilled {
		s.faults.Hit(fault.FulfillAfterCommit)
	}
	s.logger.InfoContext(ctx, "mismatch provisioned by staff", "mismatch_id", m.ID, "order_id", res.OrderID, "actor", req.Actor.Email)
	return res, nil
}

// checkServable names the plan and the address the payment would serve,
// and refuses what Fulfill would hold: an amount or currency other than the
// plan's, a payment no plan can be named for, no usable address. p.Email
// becomes the address staff linked, else the processor's; a payment that
// has an order serves that order's address.
func checkServable(ctx context.Context, tx Tx, m store.MismatchState, f facts, p *billing.PaidCheckout) error {
	p.Email = firstUsable(m.LinkedEmail, p.Email, m.Email)
	var plan billing.Plan
	id, err := tx.FindOrderForPayment(ctx, *p)
	switch {
	case err == nil:
		o, err := tx.LockOrder(ctx, id)
		if err != nil {
			return err
		}
		if o.Served() {
			return nil // Fulfill reports it as already served
		}
		if plan, err = tx.Plan(ctx, o.PlanCode); err != nil {
			return err
		}
		p.Email = firstUsable(o.Email)
	case apperr.Is(err, apperr.NotFound):
		var ok bool
		if plan, ok, err = billing.PlanFor(ctx, tx, *p); err != nil {
			return err
		} else if !ok {
			return apperr.New(apperr.Invalid, fmt.Sprintf(
				"No single plan costs %s, so we can't tell what this payment bought: refund it, or dismiss it.",
				billing.FormatMoney(p.Amount, p.Currency)))
		}
	default:
		return err
	}
	if p.Amount != plan.Amount || p.Currency != plan.Currency {
		return apperr.New(apperr.Invalid, amountRefusal(f, plan))
	}
	if p.Email == "" {
		return apperr.New(apperr.Invalid, "This payment has no email address we can use: link an account first.")
	}
	return nil
}

// amountRefusal says how the payment differs from its plan, and what to
// do: a payment over the price can be served once the difference is
// refunded (the amount kept then matches), anything else is refunded.
func amountRefusal(f facts, plan billing.Plan) string {
	cur := f.currency()
	paid := billing.FormatMoney(f.Payment.Amount, cur)
	if r := f.Charge.AmountRefunded; r > 0 {
		paid = fmt.Sprintf("%s and was refunded %s", paid, billing.FormatMoney(r, cur))
	}
	if cur == plan.Currency && f.kept() > plan.Amount {
		return fmt.Sprintf("The customer paid %s, but %s costs %s: refund the %s difference, then provision; or refund it all.",
			paid, plan.Name, plan.Price(), billing.FormatMoney(f.kept()-plan.Amount, cur))
	}
	return fmt.Sprintf("The customer paid %s, but %s costs %s: refund it, or dismiss it.", paid, plan.Name, plan.Price())
}

// fulfilErr gives Fulfill's refusals staff's words. Fulfill holding or
// not serving the payment here means the checks above missed a case: it
// rolls back, so nothing is held or emailed on staff's behalf.
func fulfilErr(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Wrap(apperr.Invalid, "We can't tell which plan or account this payment is for: link an account, refund it, or dismiss it.", err)
	}
	return err
}

// provisioned finishes a Fulfill: the email, the mismatch resolved and
// the audit row, or a refusal when Fulfill held the payment.
func (s *Service) provisioned(ctx context.Context, tx Tx, req Request, m store.MismatchState, f facts, out billing.Outcome) (Result, error) {
	switch {
	case out.Held != "":
		return Result{}, apperr.New(apperr.Invalid, "The payment does not match its plan, so it cannot be provisioned: refund it, or dismiss it.")
	case out.Unserved != "":
		return Result{}, apperr.New(apperr.Invalid, "The processor says this payment was "+out.Unserved+": there is nothing to provision.")
	}
	o := out.Order
	plan, err := tx.Plan(ctx, o.PlanCode)
	if err != nil {
		return Result{}, err
	}
	until := out.ValidUntil
	if out.Already {
		if until, err = tx.GrantEnd(ctx, o.ID); err != nil && !apperr.Is(err, apperr.NotFound) {
			return Result{}, err
		}
	}
	res := Result{MismatchID: m.ID, Status: statusResolved, OrderID: o.ID}
	details := f.details()
	details["order_id"], details["public_ref"], details["email"] = fmt.Sprint(o.ID), o.PublicRef, o.Email
	details["valid_until"] = day(until)
	var resolution string
	if out.Already {
		details["outcome"] = "already_served"
		resolution = fmt.Sprintf("Already served (via %s) when %s verified it: %s until %s for %s.",
			o.FulfilledVia, req.Actor.Email, plan.Name, day(until), o.Email)
		res.Message = fmt.Sprintf("Already served: %s has %s until %s (via %s); no email sent.", o.Email, plan.Name, day(until), o.FulfilledVia)
	} else {
		details["outcome"] = "fulfilled"
		queued, err := s.queueResolution(ctx, tx, req, m, f, o, plan, until)
		if err != nil {
			return Result{}, err
		}
		details["email_queued"] = fmt.Sprint(queued)
		res.Emailed = o.Email
		resolution = fmt.Sprintf("Verified at the processor and provisioned by %s: %s until %s for %s (order %s).",
			req.Actor.Email, plan.Name, day(until), o.Email, o.PublicRef)
		res.Message = fmt.Sprintf("Provisioned: %s now has %s until %s; we emailed them.", o.Email, plan.Name, day(until))
	}
	res.Version, err = tx.UpdateMismatch(ctx, store.MismatchChange{
		ID: m.ID, Actor: req.Actor.Email, Action: string(ActionVerifyProvision), At: s.now(),
		Close: statusResolved, Resolution: resolution, OrderID: o.ID,
	})
	if err != nil {
		return Result{}, err
	}
	return res, tx.AppendAudit(ctx, audit(req.Actor, ActionVerifyProvision, m, details))
}
