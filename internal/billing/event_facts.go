package billing

import (
	"context"
	"errors"

	"github.com/backstophq/backstop/internal/apperr"
)

// prepare reads from the processor what handling ev needs, with no
// transaction open, and returns the effect to apply (nil when there is
// nothing to do). Every fact an effect acts on comes from the processor,
// never from the event's payload, which only names the object to read: a
// signed event that the processor does not confirm changes nothing. That is
// also why events may arrive late, twice or in any order.
func (s *Service) prepare(ctx context.Context, ev Event, via Via) (effect, error) {
	switch ev.Type {
	case EventCheckoutCompleted, EventCheckoutAsyncSucceeded:
		return s.prepareCompletion(ctx, ev.ObjectID, via)
	case EventPaymentSucceeded:
		return s.preparePayment(ctx, ev.ObjectID, via)
	case EventCheckoutExpired:
		return s.prepareExpiry(ctx, ev.ObjectID)
	case EventChargeRefunded:
		return s.prepareRefund(ctx, ev)
	case EventDisputeCreated, EventDisputeClosed:
		return s.prepareDispute(ctx, ev)
	case EventInvoicePaid, EventInvoicePaymentFailed:
		return s.prepareInvoice(ctx, ev.ObjectID, via)
	case EventSubscriptionUpdated, EventSubscriptionDeleted:
		return s.prepareSubscription(ctx, ev.ObjectID)
	}
	return nil, nil // stored and acknowledged; nothing to do
}

// prepareCompletion serves a session the processor says is paid.
func (s *Service) prepareCompletion(ctx context.Context, sessionID string, via Via) (effect, error) {
	sess, err := s.proc.GetCheckoutSession(ctx, sessionID)
	if err != nil || !sess.Paid() {
		return nil, err
	}
	facts, err := s.sessionFacts(ctx, sess)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx Tx) (Outcome, error) {
		return s.FulfillTx(ctx, tx, facts, via)
	}, nil
}

// preparePayment serves a payment intent the processor says succeeded; one
// that matches no order and cannot be rebuilt waits for a person, and a
// customer we can write to hears so within minutes.
func (s *Service) preparePayment(ctx context.Context, id string, via Via) (effect, error) {
	pi, err := s.proc.GetPaymentIntent(ctx, id)
	if err != nil || !pi.Succeeded() {
		return nil, err
	}
	if pi.InvoiceID != "" {
		// A subscription's payment is served through its invoice (and the
		// first one through its checkout session too): it carries none of
		// our metadata, and serving it here would rebuild a second order.
		return nil, nil
	}
	facts, err := s.withCharge(ctx, FromPayment(pi), pi.LatestCharge)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, tx Tx) (Outcome, error) {
		out, err := s.FulfillTx(ctx, tx, facts, via)
		if errors.Is(err, ErrUnmatched) {
			_, qerr := s.QueueHoldingEmailTx(ctx, tx, Order{}, FromPayment(pi), HoldPlanUnknown)
			if qerr != nil && !apperr.Is(qerr, apperr.Invalid) {
				return out, qerr
			}
		}
		return out, err
	}, nil
}

// prepareExpiry closes a pending order whose session the processor says
// has expired; a session still open can still be paid.
func (s *Service) prepareExpiry(ctx context.Context, sessionID string) (effect, error) {
	sess, err := s.proc.GetCheckoutSession(ctx, sessionID)
	if err != nil || sess.Status != "expired" {
		return nil, err
	}
	return func(ctx context.Context, tx Tx) (Outcome, error) {
		return Outcome{}, s.markSession(ctx, tx, sess.ID, StatusExpired, "expired")
	}, nil
}

// prepareRefund records a charge the processor says is refunded in full; a
// partial refund leaves the order as it is.
func (s *Service) prepareRefund(ctx context.Context, ev Event) (effect, error) {
	ch, err := s.proc.GetCharge(ctx, ev.ObjectID)
	if err != nil || !ch.Refunded {
		return nil, err
	}
	return func(ctx context.Context, tx Tx) (Outcome, error) {
		return Outcome{}, s.chargeRefunded(ctx, tx, ch, ev.ID)
	}, nil
}

// prepareDispute reads the dispute, and the charge the processor says it is
// on, whatever the payload names: the effect follows the dispute's live
// status, so its creation and its closing give the same end state in
// either order.
func (s *Service) prepareDispute(ctx context.Context, ev Event) (effect, error) {
	d, err := s.proc.GetDispute(ctx, ev.ObjectID)
	if err != nil {
		return nil, err
	}
	ch, err := s.proc.GetCharge(ctx, d.ChargeID)
	if err != nil || !ch.Disputed {
		return nil, err
	}
	return func(ctx context.Context, tx Tx) (Outcome, error) {
		return Outcome{}, s.syncDispute(ctx, tx, d, ch, ev.ID)
	}, nil
}

// sessionFacts are the facts of a session's payment with its charge's and,
// for a subscription, its first invoice and the subscription: taken from
// the session when the processor returned them expanded in it (one call
// an event, where reading each was four), read one by one otherwise.
func (s *Service) sessionFacts(ctx context.Context, sess Session) (PaidCheckout, error) {
	var known *Charge
	if sess.PaymentIntent != nil {
		known = sess.PaymentIntent.LatestCharge
	}
	facts, err := s.withCharge(ctx, FromSession(sess), known)
	if err != nil {
		return facts, err
	}
	return s.withSubscription(ctx, facts, sess)
}

// withCharge adds the payment's charge as the processor has it, so a
// payment refunded or disputed before its completion was handled is not
// served. known is the charge when the processor already returned it
// (expanded in the same answer); otherwise it is read.
func (s *Service) withCharge(ctx context.Context, p PaidCheckout, known *Charge) (PaidCheckout, error) {
	if p.ChargeID == "" {
		return p, nil
	}
	ch := known
	if ch == nil || ch.ID != p.ChargeID {
		read, err := s.proc.GetCharge(ctx, p.ChargeID)
		if err != nil {
			return p, err
		}
		ch = &read
	}
	p.Refunded, p.Disputed = ch.Refunded, ch.Disputed
	return p, nil
}
