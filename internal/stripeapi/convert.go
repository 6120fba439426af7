package stripeapi

import (
	"time"

	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

func toSession(cs *stripe.CheckoutSession) billing.Session {
	s := billing.Session{
		ID:                cs.ID,
		URL:               cs.URL,
		Status:            string(cs.Status),
		PaymentStatus:     string(cs.PaymentStatus),
		AmountTotal:       cs.AmountTotal,
		Currency:          string(cs.Currency),
		ClientReferenceID: cs.ClientReferenceID,
		CustomerEmail:     cs.CustomerEmail,
		Metadata:          cs.Metadata,
		Created:           unixTime(cs.Created),
		ExpiresAt:         unixTime(cs.ExpiresAt),
	}
	if s.CustomerEmail == "" && cs.CustomerDetails != nil {
		s.CustomerEmail = cs.CustomerDetails.Email
	}
	pi := cs.PaymentIntent
	if sub := cs.Subscription; sub != nil {
		s.SubscriptionID = sub.ID
		if expanded(sub.Object) {
			out := toSubscription(sub)
			s.Subscription = &out
		}
	}
	if inv := cs.Invoice; inv != nil {
		s.InvoiceID = inv.ID
		if expanded(inv.Object) {
			out := toInvoice(inv)
			s.Invoice = &out
		}
		if pi == nil && inv.PaymentIntent != nil {
			// Subscription mode: the payment is the first invoice's.
			pi = inv.PaymentIntent
		}
	}
	if pi != nil {
		s.PaymentIntentID = pi.ID
		if expanded(pi.Object) {
			p := toPayment(pi)
			s.PaymentIntent = &p
		}
	}
	return s
}

func toPayment(pi *stripe.PaymentIntent) billing.Payment {
	p := billing.Payment{
		ID:             pi.ID,
		Status:         string(pi.Status),
		Amount:         pi.Amount,
		Currency:       string(pi.Currency),
		Metadata:       pi.Metadata,
		LatestChargeID: chargeID(pi.LatestCharge),
		ReceiptEmail:   pi.ReceiptEmail,
		InvoiceID:      invoiceID(pi.Invoice),
		InvoiceReason:  invoiceReason(pi.Invoice),
		Created:        unixTime(pi.Created),
	}
	if ch := pi.LatestCharge; ch != nil && expanded(ch.Object) {
		c := toCharge(ch)
		p.LatestCharge = &c
	}
	return p
}

// invoiceReason is the billing reason of an expanded invoice.
func invoiceReason(in *stripe.Invoice) string {
	if in == nil || !expanded(in.Object) {
		return ""
	}
	return string(in.BillingReason)
}

func invoiceID(in *stripe.Invoice) string {
	if in == nil {
		return ""
	}
	return in.ID
}

func toCharge(ch *stripe.Charge) billing.Charge {
	c := billing.Charge{
		ID:              ch.ID,
		PaymentIntentID: paymentIntentID(ch.PaymentIntent),
		Amount:          ch.Amount,
		AmountRefunded:  ch.AmountRefunded,
		Currency:        string(ch.Currency),
		Status:          string(ch.Status),
		Paid:            ch.Paid,
		Refunded:        ch.Refunded,
		Disputed:        ch.Disputed,
		ReceiptEmail:    ch.ReceiptEmail,
		Metadata:        ch.Metadata,
		Created:         unixTime(ch.Created),
	}
	if ch.BillingDetails != nil {
		c.BillingEmail = ch.BillingDetails.Email
	}
	if d := ch.PaymentMethodDetails; d != nil && d.Card != nil {
		c.Last4 = d.Card.Last4
	}
	c.ReceiptNumber = ch.ReceiptNumber
	if cu := ch.Customer; cu != nil && expanded(cu.Object) {
		c.CustomerEmail = cu.Email
	}
	if pi := ch.PaymentIntent; pi != nil && expanded(pi.Object) {
		p := toPayment(pi)
		c.Payment = &p
	}
	if in := ch.Invoice; in != nil {
		c.InvoiceID = in.ID
		if expanded(in.Object) && in.SubscriptionDetails != nil {
			c.InvoiceMetadata = in.SubscriptionDetails.Metadata
		}
	}
	return c
}

func toRefund(r *stripe.Refund) billing.Refund {
	return billing.Refund{
		ID:              r.ID,
		ChargeID:        chargeID(r.Charge),
		PaymentIntentID: paymentIntentID(r.PaymentIntent),
		Amount:          r.Amount,
		Currency:        string(r.Currency),
		Status:          string(r.Status),
		Created:         unixTime(r.Created),
	}
}

func toDispute(d *stripe.Dispute) billing.Dispute {
	out := billing.Dispute{
		ID:              d.ID,
		ChargeID:        chargeID(d.Charge),
		PaymentIntentID: paymentIntentID(d.PaymentIntent),
		Amount:          d.Amount,
		Currency:        string(d.Currency),
		Status:          string(d.Status),
		Reason:          string(d.Reason),
		Created:         unixTime(d.Created),

		IsChargeRefundable: d.IsChargeRefundable,
	}
	if d.EvidenceDetails != nil {
		out.EvidenceDueBy = unixTime(d.EvidenceDetails.DueBy)
	}
	return out
}

// expanded tells a full object from a bare id: stripe-go decodes an
// unexpanded reference into a struct with only ID set, while every full
// object carries its "object" name.
func expanded(object string) bool { return object != "" }

func chargeID(c *stripe.Charge) string {
	if c == nil {
		return ""
	}
	return c.ID
}

func paymentIntentID(pi *stripe.PaymentIntent) string {
	if pi == nil {
		return ""
	}
	return pi.ID
}

// unixTime converts Stripe's unix seconds to UTC; 0 (absent) stays the zero
// time rather than becoming 1970.
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
