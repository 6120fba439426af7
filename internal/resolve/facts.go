package resolve

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// facts is what the processor said about a mismatch's payment when the
// person clicked: read outside any transaction, so a slow processor never
// holds a row lock.
type facts struct {
	Payment   billing.Payment
	Charge    billing.Charge // zero when the payment has no charge
	FetchedAt time.Time
}

// msgUnreachable is what staff see when the processor cannot be reached.
const msgUnreachable = "Couldn't reach the processor, try again."

// fetch reads the payment intent and its charge.
func (s *Service) fetch(ctx context.Context, m store.MismatchState) (facts, error) {
	if m.PaymentIntentID == "" {
		return facts{}, apperr.New(apperr.Invalid, "This mismatch names no payment to check at the processor.")
	}
	pi, err := s.proc.GetPaymentIntent(ctx, m.PaymentIntentID)
	if err != nil {
		return facts{}, processorErr(err)
	}
	f := facts{Payment: pi, FetchedAt: s.now().UTC()}
	chargeID := pi.LatestChargeID
	if chargeID == "" {
		chargeID = m.ChargeID
	}
	if chargeID != "" {
		if f.Charge, err = s.proc.GetCharge(ctx, chargeID); err != nil {
			return facts{}, processorErr(err)
		}
	}
	return f, nil
}

// processorErr gives a processor failure words staff can act on. An
// unknown object is Invalid, not NotFound: the mismatch exists, the
// processor's object does not.
func processorErr(err error) error {
	switch apperr.KindOf(err) {
	case apperr.Unavailable:
		return apperr.Wrap(apperr.Unavailable, msgUnreachable, err)
	case apperr.NotFound:
		return apperr.Wrap(apperr.Invalid, "The processor has no record of this payment.", err)
	case apperr.Invalid, apperr.Conflict:
		return apperr.Wrap(apperr.Invalid, "The processor refused: "+apperr.SafeMessage(err, "request refused")+".", err)
	}
	return err
}

// kept is what the customer has paid and not been given back.
func (f facts) kept() int64 {
	if f.Charge.ID == "" {
		return f.Payment.Amount
	}
	return f.Charge.Amount - f.Charge.AmountRefunded
}

func (f facts) currency() string {
	if f.Charge.Currency != "" {
		return f.Charge.Currency
	}
	return f.Payment.Currency
}

// email is the payer's address as the processor has it.
func (f facts) email() string {
	return firstUsable(f.Payment.ReceiptEmail, f.Charge.ReceiptEmail, f.Charge.BillingEmail,
		f.Payment.Metadata["email"], f.Charge.Metadata["email"])
}

// provisionRefusal is why the payment cannot be served as the processor
// has it now, or "".
func (f facts) provisionRefusal() string {
	switch {
	case !f.Payment.Succeeded():
		return fmt.Sprintf("The processor says this payment is %q, not succeeded: there is nothing to provision.", f.Payment.Status)
	case f.Charge.Disputed:
		return "The processor says this payment is disputed: answer the dispute rather than provision it."
	case f.Charge.Refunded:
		return "The processor says this payment was refunded in full: there is nothing to provision."
	}
	return ""
}

// paidCheckout is the payment as billing's Fulfill takes it: what the
// processor says now, with the amount the customer kept, linked to the
// mismatch's session when it names one.
func (f facts) paidCheckout(m store.MismatchState) billing.PaidCheckout {
	p := billing.FromPayment(f.Payment)
	if f.Charge.ID != "" {
		p.ChargeID = f.Charge.ID
	}
	p.SessionID = m.CheckoutSessionID
	p.Amount, p.Currency = f.kept(), f.currency()
	p.Refunded, p.Disputed = f.Charge.Refunded, f.Charge.Disputed
	if p.Email == "" {
		p.Email = f.email()
	}
	return p
}

// details are the processor's facts for the audit row.
func (f facts) details() map[string]string {
	return map[string]string{
		"payment_intent":  f.Payment.ID,
		"payment_status":  f.Payment.Status,
		"amount":          strconv.FormatInt(f.Payment.Amount, 10),
		"currency":        f.currency(),
		"charge":          f.Charge.ID,
		"amount_refunded": strconv.FormatInt(f.Charge.AmountRefunded, 10),
		"refunded":        strconv.FormatBool(f.Charge.Refunded),
		"disputed":        strconv.FormatBool(f.Charge.Disputed),
		"processor_email": f.email(),
		"fetched_at":      f.FetchedAt.Format(time.RFC3339),
	}
}
