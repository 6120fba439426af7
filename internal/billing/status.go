package billing

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
)

// OrderStatus returns what the status page shows for a public reference.
// An unknown reference is NotFound; the page renders it exactly like an
// order still waiting for its payment, so references cannot be probed.
func (s *Service) OrderStatus(ctx context.Context, ref string) (OrderStatus, error) {
	ref = NormalizeRef(ref)
	if len(ref) < 8 || len(ref) > 40 {
		return OrderStatus{}, apperr.New(apperr.NotFound, "no such order")
	}
	var st OrderStatus
	err := s.store.InTx(ctx, func(tx Tx) error {
		o, err := tx.OrderByPublicRef(ctx, ref)
		if err != nil {
			return err
		}
		plan, err := tx.Plan(ctx, o.PlanCode)
		if err != nil {
			return err
		}
		until, err := tx.GrantEnd(ctx, o.ID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		st = OrderStatus{Order: o, Plan: plan, ValidUntil: until}
		return nil
	})
	return st, err
}
