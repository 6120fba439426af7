package resolve

import (
	"context"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// Live is the processor's side of a mismatch, read now, for the mismatch
// page ("fetched at 10:42:07"), with what the money actions would say
// about it: the same checks they make when clicked.
type Live struct {
	Payment   billing.Payment
	Charge    billing.Charge // zero when the payment has no charge
	FetchedAt time.Time
	Verdict
}

// Verdict is what Verify & provision and Refund would say about a payment
// as the processor has it, before anyone clicks. The actions make the same
// checks again at click time, on facts read then.
type Verdict struct {
	// ProvisionRefusal is why Verify & provision would refuse, or "". The
	// plan and address checks are made on click.
	ProvisionRefusal string
	// RefundRefusal is why Refund would refuse, or "".
	RefundRefusal string
	// Refundable is what is left to refund, in minor units of Currency.
	Refundable int64
	Currency   string
}

// Assess gives the Verdict on a payment and its charge (zero when it has
// none) as the processor has them. It asks nothing: it is for a page that
// has read the processor itself, so that showing why costs no second call.
func Assess(p billing.Payment, ch billing.Charge) Verdict {
	f := facts{Payment: p, Charge: ch}
	v := Verdict{ProvisionRefusal: f.provisionRefusal(), Currency: f.currency()}
	var err error
	if v.Refundable, err = refundable(f, 0); err != nil {
		v.RefundRefusal = apperr.SafeMessage(err, "")
	}
	return v
}

// Live reads a mismatch's payment from the processor. It changes nothing
// and needs no version. Errors: Invalid (the mismatch names no payment, or
// the processor has none), Unavailable ("Couldn't reach the processor, try
// again": the page still shows our side), NotFound.
func (s *Service) Live(ctx context.Context, mismatchID int64) (Live, error) {
	m, err := s.store.MismatchForAction(ctx, mismatchID)
	if err != nil {
		return Live{}, notFound(err)
	}
	f, err := s.fetch(ctx, m)
	if err != nil {
		return Live{}, err
	}
	return Live{Payment: f.Payment, Charge: f.Charge, FetchedAt: f.FetchedAt, Verdict: Assess(f.Payment, f.Charge)}, nil
}
