package recon

import (
	"context"
	"errors"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// healPage is how many heal findings are read at a time.
const healPage = 200

// heal hands every heal finding of the run to Fulfill, one transaction
// each, and returns how many granted access. A payment Fulfill holds
// becomes a queued amount_mismatch; one it cannot match is queued too. Any
// other error stops the run, which the next run repeats safely.
func (s *Sweeper) heal(ctx context.Context, runID int64) (int, error) {
	healed := 0
	afterKind, afterSubject := "", ""
	for {
		items, err := s.Store.HealItems(ctx, runID, afterKind, afterSubject, healPage)
		if err != nil {
			return healed, err
		}
		for _, it := range items {
			out, err := s.Healer.Fulfill(ctx, it.Payment, billing.ViaSweep)
			switch {
			case errors.Is(err, billing.ErrUnmatched) || apperr.Is(err, apperr.Invalid):
				s.Logger.WarnContext(ctx, "sweep: payment cannot be served automatically", "payment_intent", it.Subject, "err", err)
				err = s.Store.MarkUnmatched(ctx, runID, it.Kind, it.Subject, unmatchedKind(it.Payment))
			case err != nil:
				return healed, fmt.Errorf("heal %s %s: %w", it.Kind, it.Subject, err)
			case out.DuplicateOf != 0:
				err = s.Store.MarkUnmatched(ctx, runID, it.Kind, it.Subject, billing.KindDuplicatePayment)
			case out.Unserved != "":
				s.Logger.InfoContext(ctx, "sweep: payment not served, its money went back", "payment_intent", it.Subject, "status", out.Unserved)
			case out.Held != "":
				err = s.Store.MarkHeld(ctx, runID, it.Kind, it.Subject, out.Order.ID)
			case out.Fulfilled:
				healed++
			}
			if err != nil {
				return healed, err
			}
		}
		if len(items) < healPage {
			return healed, nil
		}
		last := items[len(items)-1]
		afterKind, afterSubject = last.Kind, last.Subject
	}
}

func unmatchedKind(p billing.PaidCheckout) string {
	if p.Email == "" {
		return billing.KindIdentityUnknown
	}
	return billing.KindOrphanPayment
}

// holdingEmails tells every customer whose payment now waits for a person,
// once per payment (the dedupe key is the payment intent, shared with
// Fulfill's own hold path).
func (s *Sweeper) holdingEmails(ctx context.Context, runID int64) error {
	notices, err := s.Store.HoldNotices(ctx, runID)
	if err != nil {
		return err
	}
	for _, n := range notices {
		reason := billing.HoldAmountMismatch
		if n.Kind == billing.KindOrphanPayment {
			reason = billing.HoldPlanUnknown
		}
		p := billing.PaidCheckout{PaymentIntentID: n.PaymentIntentID, Email: n.Email, Amount: n.Amount, Currency: n.Currency}
		if _, err := s.Healer.QueueHoldingEmail(ctx, n.OrderID, p, reason); err != nil {
			if apperr.Is(err, apperr.Invalid) {
				s.Logger.WarnContext(ctx, "sweep: holding email refused", "payment_intent", n.PaymentIntentID, "err", err)
				continue
			}
			return err
		}
	}
	return nil
}
