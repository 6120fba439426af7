package store

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// Withdrawal is what WithdrawGrant took back.
type Withdrawal struct {
	// Withdrawn is false when the order had granted nothing.
	Withdrawn bool
	AccountID int64
	PlanCode  string
	// From and Until bound the period the order had granted.
	From, Until time.Time
	// Shifted counts the later grants moved back by the withdrawn length.
	Shifted int
	// ValidUntil is the entitlement's end now.
	ValidUntil time.Time
}

// WithdrawGrant takes back the period an order granted (a refunded
// duplicate, a customer who asked for their money back): its grant row is
// removed, the grants that were chained after it move back by its length
// (never to before they were granted; lengths in calendar terms, so a year
// stays a year across a leap day), and the entitlement's end is
// recomputed from the grants that remain, or ends at now when none does.
// Three set-based statements under the entitlement's row lock, which
// GrantEntitlement takes too, so a grant and a withdrawal never interleave.
func (t *Tx) WithdrawGrant(ctx context.Context, orderID int64, now time.Time) (Withdrawal, error) {
	const lock = `
		SELECT e.account_id, e.plan_code FROM entitlements e
		JOIN entitlement_grants g ON g.account_id = e.account_id AND g.plan_code = e.plan_code
		WHERE g.order_id = $1
		FOR UPDATE OF e`
	var w Withdrawal
	err := t.QueryRowxContext(ctx, lock, orderID).Scan(&w.AccountID, &w.PlanCode)
	if apperr.Is(mapErr(err), apperr.NotFound) {
		return Withdrawal{}, nil
	} else if err != nil {
		return Withdrawal{}, fmt.Errorf("lock entitlement of order %d: %w", orderID, mapErr(err))
	}
	const remove = `
		WITH w AS (
			DELETE FROM entitlement_grants WHERE order_id = $1
			RETURNING account_id, plan_code, valid_from, valid_until
		), shifted AS (
			UPDATE entitlement_grants g SET
				valid_from = GREATEST(g.created_at, g.valid_from - age(w.valid_until, w.valid_from)),
				valid_until = GREATEST(g.created_at, g.valid_from - age(w.valid_until, w.valid_from))
					+ age(g.valid_until, g.valid_from)
			FROM w
			WHERE g.account_id = w.account_id AND g.plan_code = w.plan_code AND g.valid_from >= w.valid_until
			RETURNING g.order_id
		)
		SELECT w.valid_from, w.valid_until, (SELECT count(*) FROM shifted) FROM w`
	if err := t.QueryRowxContext(ctx, remove, orderID).Scan(&w.From, &w.Until, &w.Shifted); err != nil {
		return Withdrawal{}, fmt.Errorf("remove grant of order %d: %w", orderID, mapErr(err))
	}
	const recompute = `
		UPDATE entitlements e SET
			valid_until = COALESCE(
				(SELECT max(g.valid_until) FROM entitlement_grants g
					WHERE g.account_id = e.account_id AND g.plan_code = e.plan_code),
				LEAST(e.valid_until, $3)),
			order_id = COALESCE(
				(SELECT g.order_id FROM entitlement_grants g
					WHERE g.account_id = e.account_id AND g.plan_code = e.plan_code
					ORDER BY g.valid_until DESC LIMIT 1),
				e.order_id),
			updated_at = now()
		WHERE e.account_id = $1 AND e.plan_code = $2
		RETURNING e.valid_until`
	if err := t.GetContext(ctx, &w.ValidUntil, recompute, w.AccountID, w.PlanCode, now.UTC()); err != nil {
		return Withdrawal{}, fmt.Errorf("recompute entitlement after withdrawing order %d: %w", orderID, mapErr(err))
	}
	w.Withdrawn = true
	return w, nil
}
