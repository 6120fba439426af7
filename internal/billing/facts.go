package billing

import (
	"strconv"
	"strings"
	"time"
)

// Metadata keys Backstop writes on every checkout session and payment
// intent, so a payment can be traced back to its order, or the order rebuilt
// when its row is gone.
const (
	MetaOrderID   = "order_id"
	MetaPublicRef = "public_ref"
	MetaPlan      = "plan"
)

// PaidCheckout is what the processor confirmed about one succeeded payment,
// read from the processor itself, never from a query string or a form.
type PaidCheckout struct {
	SessionID       string
	PaymentIntentID string
	ChargeID        string
	Amount          int64
	Currency        string
	Email           string
	// OrderID, PublicRef and PlanCode come from client_reference_id and
	// metadata; they are zero when the payment was made outside our checkout.
	OrderID   int64
	PublicRef string
	PlanCode  string
	PaidAt    time.Time
	// Refunded and Disputed come from the charge: money that went back, or
	// is contested, is never served automatically.
	Refunded bool
	Disputed bool
	// Invoice and Subscription are set when the payment is a
	// subscription's invoice, read from the processor: a renewal is served
	// as a grant of that invoice's period, the first invoice as its order.
	Invoice      *Invoice
	Subscription *Subscription
}

// FromSession reads the facts of a paid session. The payment intent should
// be expanded; when it is not, the session's own amount and metadata serve.
func FromSession(s Session) PaidCheckout {
	p := PaidCheckout{
		SessionID:       s.ID,
		PaymentIntentID: s.PaymentIntentID,
		Amount:          s.AmountTotal,
		Currency:        s.Currency,
		Email:           s.CustomerEmail,
		PaidAt:          s.Created,
	}
	applyMetadata(&p, s.Metadata)
	if id, err := strconv.ParseInt(s.ClientReferenceID, 10, 64); err == nil && p.OrderID == 0 {
		p.OrderID = id
	}
	if pi := s.PaymentIntent; pi != nil {
		p.PaymentIntentID = pi.ID
		p.ChargeID = pi.LatestChargeID
		p.Amount, p.Currency = pi.Amount, pi.Currency
		p.PaidAt = pi.Created
		if p.Email == "" {
			p.Email = pi.ReceiptEmail
		}
	}
	return p
}

// FromPayment reads the facts of a succeeded payment intent.
func FromPayment(pi Payment) PaidCheckout {
	p := PaidCheckout{
		PaymentIntentID: pi.ID,
		ChargeID:        pi.LatestChargeID,
		Amount:          pi.Amount,
		Currency:        pi.Currency,
		Email:           pi.ReceiptEmail,
		PaidAt:          pi.Created,
	}
	applyMetadata(&p, pi.Metadata)
	return p
}

func applyMetadata(p *PaidCheckout, md map[string]string) {
	if id, err := strconv.ParseInt(md[MetaOrderID], 10, 64); err == nil {
		p.OrderID = id
	}
	p.PublicRef = strings.TrimSpace(md[MetaPublicRef])
	p.PlanCode = strings.TrimSpace(md[MetaPlan])
	if e := strings.TrimSpace(md["email"]); e != "" && p.Email == "" {
		p.Email = e
	}
}

// Linked reports whether the payment names an order of ours.
func (p PaidCheckout) Linked() bool {
	return p.OrderID != 0 || p.PublicRef != "" || p.SessionID != ""
}
