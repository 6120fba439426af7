package resolve

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// LinkRequest is the Link account form: the email of the account the
// payment is for, as staff typed it.
type LinkRequest struct {
	Request
	Email string
}

// LinkAccount records which account a payment whose payer we could not
// identify is for (identity_unknown, claim_review), so that Verify &
// provision can then serve it: the address is stored on the mismatch with
// the payment's facts as detected in the audit row. It moves no money and
// asks the processor nothing; Verify & provision checks the payment live.
//
// Errors: Invalid (not an address we can write to; the mismatch names no
// payment; the kind does not fit), Conflict (closed or stale), Forbidden,
// NotFound.
func (s *Service) LinkAccount(ctx context.Context, req LinkRequest) (Result, error) {
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return Result{}, err
	}
	m, err := s.precheck(ctx, req.Request, ActionLinkAccount)
	if err != nil {
		return Result{}, err
	}
	if m.PaymentIntentID == "" {
		return Result{}, apperr.New(apperr.Invalid, "This mismatch names no payment to link.")
	}
	res := Result{MismatchID: m.ID, Status: statusOpen,
		Message: fmt.Sprintf("Linked: this payment is for %s. Verify & provision serves it.", email)}
	err = s.store.InTx(ctx, func(tx Tx) error {
		m, err := s.lock(ctx, tx, req.Request)
		if err != nil {
			return err
		}
		res.Version, err = tx.UpdateMismatch(ctx, store.MismatchChange{ID: m.ID, Actor: req.Actor.Email,
			Action: string(ActionLinkAccount), At: s.now(), LinkedEmail: email})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(req.Actor, ActionLinkAccount, m, map[string]string{
			"email": email, "previous_email": m.LinkedEmail, "payment_intent": m.PaymentIntentID, "charge": m.ChargeID,
			"amount": fmt.Sprint(m.Amount), "currency": m.Currency, "facts": "as detected by the sweep",
		}))
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}
