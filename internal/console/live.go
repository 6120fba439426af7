package console

import (
	"context"

	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// Live is the processor's side of a mismatch, asked when the page was
// rendered.
type Live struct {
	FetchedAt time.Time
	Payment   *billing.Payment
	Charge    *billing.Charge
	Session   *billing.Session
	// Missing names the objects the processor says it does not have.
	Missing []string
	// Unreachable is set when the processor was too slow or failed: the
	// page says "couldn't reach the processor, try again".
	Unreachable bool
	// Nothing is set when the mismatch names no processor object to ask
	// about.
	Nothing bool
}

// live asks the processor for the mismatch's payment (or checkout session)
// and charge, within s.liveTimeout for all of them together. It stops at
// the first call that fails: a processor that is down would only make the
// page wait longer.
func (s *Service) live(ctx context.Context, m store.MismatchDetail, o *store.CaseOrder) Live {
	pi, ch, cs := m.PaymentIntentID, m.ChargeID, m.CheckoutSessionID
	if o != nil {
		pi, ch, cs = orElse(pi, o.PaymentIntentID), orElse(ch, o.ChargeID), orElse(cs, o.CheckoutSessionID)
	}
	if pi == "" && ch == "" && cs == "" {
		return Live{Nothing: true}
	}
	ctx, cancel := context.WithTimeout(ctx, s.liveTimeout)
	defer cancel()
	var l Live
	ok := func(err error, what string) bool {
		switch {
		case err == nil:
			return true
		case apperr.Is(err, apperr.NotFound):
			l.Missing = append(l.Missing, what)
		default:
			s.log.WarnContext(ctx, "console: processor unreachable", "mismatch_id", m.ID, "object", what, "err", err)
			l.Unreachable = true
		}
		return false
	}
	switch {
	case pi != "":
		p, err := s.proc.GetPaymentIntent(ctx, pi)
		if ok(err, "payment "+pi) {
			l.Payment, ch = &p, orElse(ch, p.LatestChargeID)
		}
	case cs != "":
		sess, err := s.proc.GetCheckoutSession(ctx, cs)
		if ok(err, "checkout session "+cs) {
			l.Session, l.Payment = &sess, sess.PaymentIntent
			if sess.PaymentIntent != nil {
				ch = orElse(ch, sess.PaymentIntent.LatestChargeID)
			}
		}
	}
	if ch != "" && !l.Unreachable {
		c, err := s.proc.GetCharge(ctx, ch)
		if ok(err, "charge "+ch) {
			l.Charge = &c
		}
	}
	l.FetchedAt = s.now()
	return l
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
