package billing

import (
	"context"
	"fmt"
	"strings"
)

// EmailStatusLinks emails the status_link listing every purchase of email
// (each with its status link), or does nothing when the address has none.
// It runs as a job for every status-by-email request, whatever the
// address, so the page that asked does the same work for all of them and
// nobody learns from it whether an address has bought; only the owner of
// the address reads the answer. key identifies the request (the job), so a
// retried job sends one email. It reports whether it queued one.
func (s *Service) EmailStatusLinks(ctx context.Context, email, key string) (bool, error) {
	email = strings.TrimSpace(email)
	var queued bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		orders, err := tx.Purchases(ctx, email)
		if err != nil || len(orders) == 0 {
			return err
		}
		plans := map[string]Plan{}
		lines := make([]EmailOrder, 0, len(orders))
		for _, o := range orders {
			plan, ok := plans[o.PlanCode]
			if !ok {
				if plan, err = tx.Plan(ctx, o.PlanCode); err != nil {
					return err
				}
				plans[o.PlanCode] = plan
			}
			lines = append(lines, s.emailOrder(o, plan))
		}
		newest := orders[0]
		queued, err = tx.QueueEmail(ctx, Email{
			Template: "status_link", To: newest.Email, OrderID: newest.ID,
			DedupeKey: "status_link:" + strings.ToLower(email) + ":" + key,
			PlanName:  plans[newest.PlanCode].Name, Amount: FormatMoney(newest.Amount, newest.Currency),
			PublicRef: newest.PublicRef, StatusURL: s.StatusURL(newest.PublicRef), Orders: lines, ClaimURL: s.ClaimURL(),
		})
		if err != nil {
			return fmt.Errorf("queue status_link for %d orders: %w", len(orders), err)
		}
		return nil
	})
	return queued, err
}
