package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/backstophq/backstop/internal/billing"
)

func stringArray(s []string) any { return pq.Array(s) }

// UpsertAccount returns the account for email, matched case-insensitively,
// creating it on first purchase.
func (t *Tx) UpsertAccount(ctx context.Context, email string) (int64, error) {
	const q = `
		INSERT INTO accounts (email) VALUES ($1)
		ON CONFLICT (lower(email)) DO UPDATE SET email = accounts.email
		RETURNING id`
	var id int64
	if err := t.GetContext(ctx, &id, q, email); err != nil {
		return 0, fmt.Errorf("upsert account: %w", mapErr(err))
	}
	return id, nil
}

// GrantEntitlement extends the account's entitlement to the plan by one
// interval from the later of now and its current end. The grant row, keyed by
// order, makes a second grant for one order fail with Conflict.
func (t *Tx) GrantEntitlement(ctx context.Context, g billing.Grant) (time.Time, error) {
	current, err := t.Entitlement(ctx, g.AccountID, g.Plan.Code)
	from := g.Now
	if err == nil && current.ValidUntil.After(from) {
		from = current.ValidUntil
	}
	until := g.Plan.Extend(from)
	// One statement writes both rows: the grant fails first on a second
	// grant for the order, and the entitlement takes the grant's end.
	const q = `
		WITH grant_row AS (
			INSERT INTO entitlement_grants (order_id, account_id, plan_code, valid_from, valid_until)
			VALUES ($1, $2, $3, $4, $5)
			RETURNING account_id, plan_code, valid_until, order_id)
		INSERT INTO entitlements (account_id, plan_code, valid_until, order_id)
		SELECT account_id, plan_code, valid_until, order_id FROM grant_row
		ON CONFLICT (account_id, plan_code) DO UPDATE SET
			valid_until = EXCLUDED.valid_until, order_id = EXCLUDED.order_id, updated_at = now()`
	if err := t.exec(ctx, "grant entitlement", q, g.OrderID, g.AccountID, g.Plan.Code, from.UTC(), until.UTC()); err != nil {
		return time.Time{}, err
	}
	return until, nil
}

// Entitlement returns the account's entitlement to a plan, locked for update.
func (t *Tx) Entitlement(ctx context.Context, accountID int64, planCode string) (billing.Entitlement, error) {
	const q = `
		SELECT e.account_id, a.email, e.plan_code, e.valid_until, e.order_id
		FROM entitlements e JOIN accounts a ON a.id = e.account_id
		WHERE e.account_id = $1 AND e.plan_code = $2
		FOR UPDATE OF e`
	var e billing.Entitlement
	if err := t.GetContext(ctx, &e, q, accountID, planCode); err != nil {
		return billing.Entitlement{}, fmt.Errorf("entitlement: %w", mapErr(err))
	}
	return e, nil
}

// GrantEnd returns the end of the access an order granted.
func (t *Tx) GrantEnd(ctx context.Context, orderID int64) (time.Time, error) {
	const q = `SELECT valid_until FROM entitlement_grants WHERE order_id = $1`
	var until time.Time
	if err := t.GetContext(ctx, &until, q, orderID); err != nil {
		return time.Time{}, fmt.Errorf("grant of order %d: %w", orderID, mapErr(err))
	}
	return until, nil
}
