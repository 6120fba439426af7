package billing

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
)

// resendAccess sends a served order's access email again, for a customer
// whose claim found a payment we had already served ("I never got the
// email"): a copy of the email that gave access, under a dedupe key of its
// own per hour, so claiming again and again sends at most one copy an
// hour. The order's timeline records it.
func (s *Service) resendAccess(ctx context.Context, tx Tx, o Order, c Claim) (ClaimResult, error) {
	key := fmt.Sprintf("order:%d:resend:%s", o.ID, s.now().UTC().Format("2006-01-02T15"))
	queued, err := tx.ResendAccessEmail(ctx, o.ID, key)
	if apperr.Is(err, apperr.NotFound) {
		// Served without an email of ours (an import, a path that sent
		// none): write a confirmation now.
		queued, err = s.queueConfirmation(ctx, tx, o, key)
	}
	if err != nil {
		return ClaimResult{}, fmt.Errorf("resend access email of order %d: %w", o.ID, err)
	}
	detail := map[string]any{"via": string(ViaClaim), "resent": queued, "dedupe_key": key}
	if err := tx.AddOrderEvent(ctx, o.ID, "claimed_again", detail); err != nil {
		return ClaimResult{}, err
	}
	return ClaimResult{Outcome: ClaimAlready, SentTo: visibleTo(o.Email, c), Resent: queued}, nil
}

func (s *Service) queueConfirmation(ctx context.Context, tx Tx, o Order, key string) (bool, error) {
	plan, err := tx.Plan(ctx, o.PlanCode)
	if err != nil {
		return false, err
	}
	until, err := s.accessUntil(ctx, tx, o)
	if err != nil {
		return false, err
	}
	return tx.QueueEmail(ctx, Email{
		Template: "order_confirmation", To: o.Email, OrderID: o.ID, DedupeKey: key,
		PlanName: plan.Name, Amount: plan.Price(), PublicRef: o.PublicRef,
		StatusURL: s.StatusURL(o.PublicRef), ValidUntil: until,
	})
}
