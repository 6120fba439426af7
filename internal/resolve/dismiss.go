package resolve

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// DismissRequest is the Dismiss form.
type DismissRequest struct {
	Request
	// Reason is required: it stays on the record as the resolution.
	Reason string
}

// Dismiss closes a mismatch that needs nothing done, with the reason on
// record. The sweep does not reopen it: a person's decision stands.
//
// Errors: Invalid (no reason, or one we cannot store), Conflict (closed,
// stale, or a refund in flight), Forbidden, NotFound.
func (s *Service) Dismiss(ctx context.Context, req DismissRequest) (Result, error) {
	reason, err := cleanText("reason", req.Reason, maxReason)
	if err != nil {
		return Result{}, err
	}
	if reason == "" {
		return Result{}, apperr.New(apperr.Invalid, "Say why you are dismissing this: the reason stays on the record.")
	}
	if _, err := s.precheck(ctx, req.Request, ActionDismiss); err != nil {
		return Result{}, err
	}
	res := Result{MismatchID: req.MismatchID, Status: statusDismissed, Message: "Dismissed: " + reason}
	err = s.store.InTx(ctx, func(tx Tx) error {
		m, err := s.lock(ctx, tx, req.Request)
		if err != nil {
			return err
		}
		res.Version, err = tx.UpdateMismatch(ctx, store.MismatchChange{ID: m.ID, Actor: req.Actor.Email,
			Action: string(ActionDismiss), At: s.now(), Close: statusDismissed,
			Resolution: "Dismissed by " + req.Actor.Email + ": " + reason})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(req.Actor, ActionDismiss, m, map[string]string{"reason": reason}))
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}
