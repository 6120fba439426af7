package incident

import (
	"context"
	"errors"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// The outcomes a run records for a payment.
const (
	OutcomeProvisioned = "provisioned"    // served now, fulfilled_via = incident
	OutcomeAlready     = "already_served" // something else served it since the plan
	OutcomeTold        = "told"           // served before, never told: the apology tells them
	OutcomeHeld        = "held"           // Fulfill held it for a person (amount differs)
	OutcomeUnserved    = "unserved"       // the money went back since the plan
	OutcomeDuplicate   = "duplicate"      // it repeats an earlier purchase: a person decides
	OutcomeUnmatched   = "unmatched"      // no order and not enough to rebuild one
	OutcomeCancelled   = "cancelled"      // the run was cancelled before it came to it
)

// Run starts a planned incident's run, by actor: one job per payment to act
// on and one that finishes the run, enqueued with the run's audit row in
// one transaction. Conflict when the incident has been run already.
func (s *Service) Run(ctx context.Context, id int64, actor string, noApology bool) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		pis, err := tx.StartIncidentRun(ctx, id, actor, noApology)
		if err != nil {
			return err
		}
		if err := s.Jobs.EnqueueIncidentTx(ctx, tx.SQL(), id, pis); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, staff.AuditEntry{Actor: actor, Action: "incident.run_started", Target: Target(id),
			Details: map[string]string{"payments": fmt.Sprint(len(pis)), "apology": fmt.Sprint(!noApology)}})
	})
}

// Cancel stops a running incident, by actor: the payments not yet acted on
// are left alone. Conflict when it is not running.
func (s *Service) Cancel(ctx context.Context, id int64, actor string) error {
	return s.Store.Audited(ctx, func(tx *store.Tx) (staff.AuditEntry, error) {
		return staff.AuditEntry{Actor: actor, Action: "incident.cancelled", Target: Target(id)}, tx.CancelIncident(ctx, id)
	})
}

// ActOn does the planned action for one payment, once: a job repeated by
// River finds the outcome recorded and does nothing.
func (s *Service) ActOn(ctx context.Context, id int64, paymentIntentID string) error {
	p, err := s.Store.IncidentPaymentFor(ctx, id, paymentIntentID)
	if err != nil {
		return err
	}
	if p.Outcome != nil {
		return nil
	}
	if p.Action != store.ActionProvision {
		err := s.record(ctx, id, p, func(*store.Tx) (string, error) { return OutcomeTold, nil })
		if errors.Is(err, errAlreadyRecorded) {
			return nil
		}
		return err
	}
	err = s.Provision.InTx(ctx, func(tx *store.Tx, fulfill func(billing.PaidCheckout) (billing.Outcome, error)) error {
		return s.recordTx(ctx, tx, id, p, func(tx *store.Tx) (string, error) {
			out, err := fulfill(paidCheckout(p))
			return outcomeOf(out), err
		})
	})
	if errors.Is(err, billing.ErrUnmatched) || apperr.Is(err, apperr.Invalid) {
		s.Logger.WarnContext(ctx, "incident: payment cannot be served automatically", "incident_id", id,
			"payment_intent", paymentIntentID, "err", err)
		err = s.record(ctx, id, p, func(*store.Tx) (string, error) { return OutcomeUnmatched, nil })
	}
	if errors.Is(err, errAlreadyRecorded) {
		return nil
	}
	return err
}

func (s *Service) record(ctx context.Context, id int64, p store.IncidentPayment, act func(*store.Tx) (string, error)) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error { return s.recordTx(ctx, tx, id, p, act) })
}

// recordTx acts and records the outcome with its audit row, in tx, unless
// the incident was cancelled (then the outcome is cancelled and nothing is
// done) or an earlier attempt recorded one (then the effect rolls back).
func (s *Service) recordTx(ctx context.Context, tx *store.Tx, id int64, p store.IncidentPayment, act func(*store.Tx) (string, error)) error {
	status, err := tx.IncidentStatusTx(ctx, id)
	if err != nil {
		return err
	}
	outcome := OutcomeCancelled
	if status != "cancelled" {
		if outcome, err = act(tx); err != nil {
			return err
		}
	}
	first, err := tx.RecordIncidentOutcome(ctx, id, p.PaymentIntentID, outcome)
	if err != nil {
		return err
	}
	if !first {
		return errAlreadyRecorded
	}
	detail := map[string]string{"payment_intent": p.PaymentIntentID, "action": p.Action, "outcome": outcome}
	return tx.AppendAudit(ctx, staff.AuditEntry{Actor: "incident", Action: "incident.payment", Target: Target(id), Details: detail})
}

// errAlreadyRecorded rolls back an effect whose outcome another attempt of
// the job recorded first; Fulfill's own lock makes that effect a no-op
// anyway.
var errAlreadyRecorded = errors.New("incident payment outcome already recorded")

func paidCheckout(p store.IncidentPayment) billing.PaidCheckout {
	pc := billing.PaidCheckout{PaymentIntentID: p.PaymentIntentID, Amount: p.Amount, Currency: p.Currency,
		PaidAt: p.Created, Refunded: p.Refunded, Disputed: p.Disputed}
	pc.SessionID, pc.ChargeID, pc.Email = deref(p.SessionID), deref(p.ChargeID), deref(p.Email)
	pc.PublicRef, pc.PlanCode = deref(p.PublicRef), deref(p.PlanCode)
	if p.OrderID != nil {
		pc.OrderID = *p.OrderID
	}
	return pc
}

func outcomeOf(out billing.Outcome) string {
	switch {
	case out.DuplicateOf != 0:
		return OutcomeDuplicate
	case out.Unserved != "":
		return OutcomeUnserved
	case out.Held != "":
		return OutcomeHeld
	case out.Fulfilled:
		return OutcomeProvisioned
	}
	return OutcomeAlready
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
