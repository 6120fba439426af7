package resolve

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// ClaimRequest is the Claim button. TakeOver must be set to claim a
// mismatch someone else is on: the page shows "Bob is on this" and offers
// "Take over" as a separate, explicit button.
type ClaimRequest struct {
	Request
	TakeOver bool
}

// Claim marks the actor as the one working on a mismatch ("Alice is on
// this"), so the other person leaves it alone. Claiming one already yours
// changes nothing. Claiming one someone else is on is refused unless
// TakeOver is set, and the audit row names who it was taken from. A claim
// is a change like any other: it needs the current version, and it makes
// older pages stale.
//
// Errors: Conflict (someone else is on it, closed, or stale), Forbidden,
// NotFound.
func (s *Service) Claim(ctx context.Context, req ClaimRequest) (Result, error) {
	if _, err := s.precheck(ctx, req.Request, ActionClaim); err != nil {
		return Result{}, err
	}
	var res Result
	err := s.store.InTx(ctx, func(tx Tx) error {
		m, err := tx.LockMismatch(ctx, req.MismatchID)
		if err != nil {
			return notFound(err)
		}
		res = Result{MismatchID: m.ID, Status: m.Status, Version: m.Version}
		if m.Status == statusOpen && m.ClaimedBy == req.Actor.Email {
			res.Message = "You are already on this."
			return nil
		}
		if err := s.current(m, req.Version); err != nil {
			return err
		}
		action, message := ActionClaim, "You are on this: the other person sees it."
		if m.ClaimedBy != "" {
			if !req.TakeOver {
				return apperr.New(apperr.Conflict, fmt.Sprintf("%s is on this since %s: take it over only if you have agreed it with them.",
					displayName(m.ClaimedBy), clock(*m.ClaimedAt, s.now())))
			}
			action, message = stepTakeOver, "You took this over from "+displayName(m.ClaimedBy)+"."
		}
		res.Message = message
		res.Version, err = tx.UpdateMismatch(ctx, store.MismatchChange{ID: m.ID, Actor: req.Actor.Email,
			Action: string(action), At: s.now(), Claim: true})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, audit(req.Actor, action, m, map[string]string{"previous": m.ClaimedBy}))
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}
