package resolve

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// stopRenewing cancels at the processor the subscription a charge paid
// for (refunded, as the processor returned it after the refund), once that
// charge is refunded in full for a reason that ends the
// purchase (a duplicate, the customer's request, fraud, a payment we cannot
// serve): a duplicate purchase of a yearly plan is a second subscription,
// and left alone it would charge the customer again next year. It returns
// the subscription as the processor now has it, or nil when the charge
// paid for none.
//
// It runs after the refund and before the refund is recorded, outside any
// transaction: if it fails, the refund stays written down, and Refund from
// the reloaded page asks the processor again with the same key (which
// answers with the same refund) and then comes back here. The processor
// takes no idempotency key for a cancel and refuses one for a subscription
// already ended, so the subscription is read first, and one ended (by an
// earlier click, or by the customer) is left as it is.
func (s *Service) stopRenewing(ctx context.Context, refunded billing.Charge) (*billing.Subscription, error) {
	id, err := s.subscriptionPaidBy(ctx, refunded)
	if err != nil || id == "" {
		return nil, err
	}
	live, err := s.proc.GetSubscription(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	} else if err != nil {
		return nil, cannotStop(id, err)
	}
	if ended(live) {
		return &live, nil
	}
	canceled, err := s.proc.CancelSubscription(ctx, id)
	if err != nil { // ended meanwhile, too: the next click reads it ended
		return nil, cannotStop(id, err)
	}
	return &canceled, nil
}

// subscriptionPaidBy asks the processor which subscription a charge paid
// for: the subscription of the invoice the charge (as the processor
// returned it) paid, "" for a charge of no invoice (a one-time purchase).
// Our own rows may lack that invoice (a second subscription bought outside
// our checkout, its invoice never delivered to us), and a duplicate left
// renewing costs the customer a year's price.
func (s *Service) subscriptionPaidBy(ctx context.Context, refunded billing.Charge) (string, error) {
	if refunded.InvoiceID == "" {
		return "", nil
	}
	in, err := s.proc.GetInvoice(ctx, refunded.InvoiceID)
	if err != nil {
		return "", cannotFind(err)
	}
	return in.SubscriptionID, nil
}

// ended says a subscription will never charge again.
func ended(sub billing.Subscription) bool {
	return sub.Status == "canceled" || sub.Status == "incomplete_expired"
}

func cannotFind(cause error) error {
	return apperr.Wrap(apperr.Unavailable, "The refund went through, but we couldn't ask the processor which subscription "+
		"the payment paid for, to stop it renewing: click Refund again to finish (the refund is not sent twice).", cause)
}

func cannotStop(id string, cause error) error {
	return apperr.Wrap(apperr.Unavailable, "The refund went through, but we couldn't stop subscription "+id+
		" from renewing at the processor: click Refund again to finish (the refund is not sent twice).", cause)
}
