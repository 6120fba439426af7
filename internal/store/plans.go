package store

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// UpsertPlan creates the plan, or updates every field of the plan with the
// same code. Orders keep the amount they were created with, so changing a
// plan never changes what an existing order charged.
func (s *Store) UpsertPlan(ctx context.Context, p billing.Plan) error {
	const q = `
		INSERT INTO plans (code, name, amount, currency, interval, one_time, active)
		VALUES (:code, :name, :amount, :currency, :interval, :one_time, :active)
		ON CONFLICT (code) DO UPDATE SET
			name = EXCLUDED.name,
			amount = EXCLUDED.amount,
			currency = EXCLUDED.currency,
			interval = EXCLUDED.interval,
			one_time = EXCLUDED.one_time,
			active = EXCLUDED.active`
	if _, err := s.db.NamedExecContext(ctx, q, p); err != nil {
		return fmt.Errorf("upsert plan %s: %w", p.Code, mapErr(err))
	}
	return nil
}

// planColumns are every field of billing.Plan, for each read of a plan: a
// read inside a transaction that left one_time out once sold a one-payment
// plan as a renewing subscription.
const planColumns = `code, name, amount, currency, interval, one_time, active`

// Plans returns the catalogue ordered by amount then code; with activeOnly,
// only the plans customers can buy now.
func (s *Store) Plans(ctx context.Context, activeOnly bool) ([]billing.Plan, error) {
	const q = `
		SELECT ` + planColumns + `
		FROM plans
		WHERE active OR NOT $1
		ORDER BY amount, code`
	plans := []billing.Plan{}
	if err := s.db.SelectContext(ctx, &plans, q, activeOnly); err != nil {
		return nil, fmt.Errorf("list plans: %w", mapErr(err))
	}
	return plans, nil
}

// Plan returns the plan with code, active or not, or an apperr NotFound.
func (s *Store) Plan(ctx context.Context, code string) (billing.Plan, error) {
	const q = `
		SELECT ` + planColumns + `
		FROM plans
		WHERE code = $1`
	var p billing.Plan
	if err := s.db.GetContext(ctx, &p, q, code); err != nil {
		err = mapErr(err)
		if apperr.Is(err, apperr.NotFound) {
			return billing.Plan{}, apperr.Wrap(apperr.NotFound, fmt.Sprintf("no plan %q", code), err)
		}
		return billing.Plan{}, fmt.Errorf("plan %s: %w", code, err)
	}
	return p, nil
}
