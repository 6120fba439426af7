package billing

import (
	"context"
	"fmt"
	"time"
)

// tellEarlierPurchases emails the status of the address's recent purchases
// of the plan (paid or served within PriorWindow) when it starts buying the
// plan again, in the transaction that inserts the new order o. The page
// itself says nothing different, so nobody can learn from it whether an
// address has bought: only the address's owner reads the answer. The email
// goes out at most once per hour for the newest earlier order, however many
// times the form is posted.
func (s *Service) tellEarlierPurchases(ctx context.Context, tx Tx, o Order, plan Plan) error {
	now := s.now().UTC()
	earlier, err := tx.RecentPurchases(ctx, o.Email, plan.Code, now.Add(-PriorWindow), o.ID)
	if err != nil || len(earlier) == 0 {
		return err
	}
	newest := earlier[0]
	lines := make([]EmailOrder, 0, len(earlier))
	for _, e := range earlier {
		lines = append(lines, s.emailOrder(e, plan))
	}
	_, err = tx.QueueEmail(ctx, Email{
		Template: "status_link", To: newest.Email, OrderID: newest.ID,
		DedupeKey: fmt.Sprintf("order:%d:status_link:%s", newest.ID, now.Format("2006-01-02T15")),
		PlanName:  plan.Name, Amount: plan.Price(), PublicRef: newest.PublicRef,
		StatusURL: s.StatusURL(newest.PublicRef), StartedAt: now, Orders: lines, ClaimURL: s.ClaimURL(),
	})
	if err != nil {
		return fmt.Errorf("queue status_link for order %d: %w", newest.ID, err)
	}
	s.logger.InfoContext(ctx, "earlier purchase emailed", "order_id", o.ID, "earlier_order_id", newest.ID)
	return nil
}

// emailOrder is one line of the status_link email.
func (s *Service) emailOrder(o Order, plan Plan) EmailOrder {
	paidAt := o.CreatedAt
	if o.PaidAt != nil {
		paidAt = *o.PaidAt
	}
	state := "a person on our team is finishing it"
	switch o.Status {
	case StatusFulfilled:
		state = "your access is ready"
	case StatusRefunded:
		state = "it was refunded"
	case StatusDisputed:
		state = "your bank disputed it, and a person on our team is looking at it"
	}
	return EmailOrder{
		PublicRef: o.PublicRef, PlanName: plan.Name, Amount: FormatMoney(o.Amount, o.Currency),
		PaidAt: paidAt, Status: state, StatusURL: s.StatusURL(o.PublicRef),
	}
}

// EmailOrder is one order an email lists, with its status link.
type EmailOrder struct {
	PublicRef string
	PlanName  string
	Amount    string
	PaidAt    time.Time
	// Status says where the order stands, in words.
	Status    string
	StatusURL string
}
