package billing

import (
	"context"
	"encoding/json"
	"time"
)

// Processor is the port to the payment processor. The one real adapter is
// internal/stripeapi over stripe-go v76; tests and `backstop dev` point that
// same adapter at internal/stripesim. Errors are *apperr.Error: NotFound for
// unknown ids, Invalid for refused requests (a declined card is Invalid with
// the processor's message), Unavailable for outages, timeouts and rate limits.
type Processor interface {
	CreateCheckoutSession(ctx context.Context, req CheckoutRequest) (Session, error)
	// GetCheckoutSession retrieves a session with its payment intent expanded.
	GetCheckoutSession(ctx context.Context, id string) (Session, error)
	GetPaymentIntent(ctx context.Context, id string) (Payment, error)
	GetCharge(ctx context.Context, id string) (Charge, error)
	GetDispute(ctx context.Context, id string) (Dispute, error)
	CreateRefund(ctx context.Context, req RefundRequest) (Refund, error)

	// The List calls stream every object created in [r.From, r.To] (zero
	// times mean unbounded), newest first, 100 per page, calling fn for each.
	// An error from fn stops the listing and is returned as is.
	ListCheckoutSessions(ctx context.Context, r Range, fn func(Session) error) error
	ListPaymentIntents(ctx context.Context, r Range, fn func(Payment) error) error
	ListCharges(ctx context.Context, r Range, fn func(Charge) error) error
	// ListChargesWithPayer is ListCharges with each charge's payment
	// intent and customer expanded, in the same calls: every address the
	// payer gave and the intent's metadata, for a customer's claim.
	ListChargesWithPayer(ctx context.Context, r Range, fn func(Charge) error) error
	ListRefunds(ctx context.Context, r Range, fn func(Refund) error) error
	ListDisputes(ctx context.Context, r Range, fn func(Dispute) error) error
	// ListEvents streams events of the given types (all types when empty).
	ListEvents(ctx context.Context, r Range, types []string, fn func(Event) error) error

	// A subscription's invoices and the subscription itself, asked for
	// whenever an invoice or subscription event arrives (the payload alone
	// never grants or ends access), and listed by the sweep: every status,
	// canceled included.
	GetInvoice(ctx context.Context, id string) (Invoice, error)
	GetSubscription(ctx context.Context, id string) (Subscription, error)
	ListInvoices(ctx context.Context, r Range, fn func(Invoice) error) error
	ListSubscriptions(ctx context.Context, r Range, fn func(Subscription) error) error
	// CancelSubscription ends a subscription now, so it never renews (a
	// purchase refunded with its access withdrawn). The processor takes no
	// idempotency key for it: a second call for one already canceled is
	// refused (Invalid), so a caller reads the subscription first.
	CancelSubscription(ctx context.Context, id string) (Subscription, error)
}

// Range bounds a listing by creation time, both ends inclusive.
type Range struct {
	From time.Time
	To   time.Time
}

// CheckoutRequest asks the processor for a hosted checkout page for one order.
type CheckoutRequest struct {
	// IdempotencyKey is derived from the stored order, so a retry after a
	// crash reuses it and the processor returns the same session.
	IdempotencyKey    string
	ClientReferenceID string
	Email             string
	ProductName       string
	Amount            int64
	Currency          string
	SuccessURL        string
	CancelURL         string
	// Metadata is set on the session and on the payment intent it creates,
	// or, for a subscription, on the session and the subscription.
	Metadata map[string]string
	// Interval (month or year) sells a subscription renewing at that
	// interval, in Checkout's subscription mode; empty sells one payment.
	Interval string
}

// Session is a checkout session as Backstop needs it.
type Session struct {
	ID                string
	URL               string
	Status            string // open | complete | expired
	PaymentStatus     string // unpaid | paid | no_payment_required
	AmountTotal       int64
	Currency          string
	ClientReferenceID string
	CustomerEmail     string
	Metadata          map[string]string
	PaymentIntentID   string
	// PaymentIntent is set when the processor returned it expanded. For a
	// subscription-mode session both are its first invoice's payment (the
	// session itself has none).
	PaymentIntent *Payment
	// SubscriptionID and InvoiceID are set when a subscription-mode
	// session completed: the subscription and its first invoice.
	SubscriptionID string
	InvoiceID      string
	// Invoice and Subscription are those two when the processor returned
	// them expanded, so handling a completion reads the processor once.
	Invoice      *Invoice
	Subscription *Subscription
	Created      time.Time
	ExpiresAt    time.Time
}

// Paid reports whether the customer's money is in.
func (s Session) Paid() bool { return s.PaymentStatus == "paid" }

// Payment is a payment intent.
type Payment struct {
	ID             string
	Status         string // succeeded | processing | requires_payment_method | canceled | …
	Amount         int64
	Currency       string
	Metadata       map[string]string
	LatestChargeID string
	// LatestCharge is that charge when the processor returned it expanded.
	LatestCharge *Charge
	ReceiptEmail string
	// InvoiceID is the invoice this payment pays: a subscription's, served
	// through that invoice (its session for the first one), never as a
	// payment of its own.
	InvoiceID string
	// InvoiceReason is that invoice's billing_reason when the processor
	// returned it expanded (listings): subscription_create for the
	// purchase, subscription_cycle for a renewal.
	InvoiceReason string
	Created       time.Time
}

// Succeeded reports whether the payment took the money.
func (p Payment) Succeeded() bool { return p.Status == "succeeded" }

// Charge is a charge with what reconciliation reads from it.
type Charge struct {
	ID              string
	PaymentIntentID string
	Amount          int64
	AmountRefunded  int64
	Currency        string
	Status          string // succeeded | pending | failed
	Paid            bool
	Refunded        bool
	Disputed        bool
	ReceiptEmail    string
	BillingEmail    string
	// CustomerEmail is the customer object's address, when the listing
	// expanded it (ListChargesWithPayer) and the payer had a customer.
	CustomerEmail string
	// ReceiptNumber is the number on the customer's receipt; Last4 the
	// card's last four digits. Either may be empty.
	ReceiptNumber string
	Last4         string
	Metadata      map[string]string
	// Payment is the charge's payment intent, when the listing expanded it.
	Payment *Payment
	// InvoiceID is the subscription invoice the charge pays; with the
	// invoice expanded (ListChargesWithPayer), InvoiceMetadata is its
	// subscription's metadata (our order's links).
	InvoiceID       string
	InvoiceMetadata map[string]string
	Created         time.Time
}

// RefundRequest refunds a payment intent, fully when Amount is zero.
type RefundRequest struct {
	IdempotencyKey  string
	PaymentIntentID string
	Amount          int64
	Reason          string
	Metadata        map[string]string
}

// Refund is a refund of a charge.
type Refund struct {
	ID              string
	ChargeID        string
	PaymentIntentID string
	Amount          int64
	Currency        string
	Status          string
	Created         time.Time
}

// Dispute is a dispute on a charge.
type Dispute struct {
	ID              string
	ChargeID        string
	PaymentIntentID string
	Amount          int64
	Currency        string
	// Status is warning_needs_response | warning_under_review |
	// warning_closed (an inquiry) or needs_response | under_review | won |
	// lost (a chargeback).
	Status        string
	Reason        string
	EvidenceDueBy time.Time
	// IsChargeRefundable says whether refunding the charge is still
	// possible (an inquiry), which ends the dispute without a chargeback.
	IsChargeRefundable bool
	Created            time.Time
}

// Closed reports whether the dispute is over, one way or the other.
func (d Dispute) Closed() bool { return d.Won() || d.Status == "lost" }

// Won reports whether the money stays with us: a chargeback won, or an
// inquiry closed without becoming one.
func (d Dispute) Won() bool { return d.Status == "won" || d.Status == "warning_closed" }

// Event is a processor event: its id is the dedupe key, Raw the whole JSON.
type Event struct {
	ID      string
	Type    string
	Created time.Time
	// ObjectID is data.object.id, the subject of the event.
	ObjectID string
	Raw      json.RawMessage
}
