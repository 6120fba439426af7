package stripesim

import "encoding/json"

// apiVersion is the only version the simulator speaks: the one stripe-go v76
// pins, and the one webhook.ConstructEvent insists on.
const apiVersion = "2023-10-16"

// The object types below mirror Stripe's JSON at API 2023-10-16, field for
// field where Backstop or stripe-go reads them. Expandable references are
// plain id strings (or null); expand.go swaps in full objects on request.

type customerDetails struct {
	Email *string `json:"email"`
}

type session struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	AmountSubtotal     int64             `json:"amount_subtotal"`
	AmountTotal        int64             `json:"amount_total"`
	CancelURL          *string           `json:"cancel_url"`
	ClientReferenceID  *string           `json:"client_reference_id"`
	Created            int64             `json:"created"`
	Currency           string            `json:"currency"`
	CustomerDetails    *customerDetails  `json:"customer_details"`
	CustomerEmail      *string           `json:"customer_email"`
	ExpiresAt          int64             `json:"expires_at"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	Mode               string            `json:"mode"`
	PaymentIntent      *string           `json:"payment_intent"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	PaymentStatus      string            `json:"payment_status"`
	Status             string            `json:"status"`
	// Subscription and Invoice are set when a subscription-mode session
	// completes: its subscription and that subscription's first invoice
	// (payment_intent stays null in that mode, as at Stripe).
	Subscription *string `json:"subscription"`
	Invoice      *string `json:"invoice"`
	SuccessURL   string  `json:"success_url"`
	URL          *string `json:"url"`
}

// lineItem is what the hosted page shows and what amount_total sums.
type lineItem struct {
	Name       string `json:"name"`
	UnitAmount int64  `json:"unit_amount"`
	Quantity   int64  `json:"quantity"`
	// Interval is price_data[recurring][interval] (day, week, month or
	// year) for a subscription's price; empty for a one-time price.
	Interval string `json:"interval,omitempty"`
}

// sessionRecord keeps, next to the public session, what Stripe remembers
// but does not show on it: the line items and the payment intent template.
type sessionRecord struct {
	Session    *session          `json:"session"`
	Items      []lineItem        `json:"items"`
	PIMetadata map[string]string `json:"pi_metadata"`
	PIDesc     *string           `json:"pi_description"`
	// AttemptPI is the payment intent of a declined attempt, reused when
	// the customer pays, as Checkout does.
	AttemptPI string `json:"attempt_pi,omitempty"`
	// SubMetadata is subscription_data[metadata], for the subscription a
	// subscription-mode session creates.
	SubMetadata map[string]string `json:"sub_metadata,omitempty"`
}

func (r *sessionRecord) objectID() string { return r.Session.ID }
func (r *sessionRecord) createdAt() int64 { return r.Session.Created }

type paymentIntent struct {
	ID             string  `json:"id"`
	Object         string  `json:"object"`
	Amount         int64   `json:"amount"`
	AmountReceived int64   `json:"amount_received"`
	CaptureMethod  string  `json:"capture_method"`
	Created        int64   `json:"created"`
	Currency       string  `json:"currency"`
	Customer       *string `json:"customer"`
	Description    *string `json:"description"`
	// Invoice is the invoice this payment pays, for a subscription's.
	Invoice            *string           `json:"invoice"`
	LastPaymentError   *errorBody        `json:"last_payment_error"`
	LatestCharge       *string           `json:"latest_charge"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	PaymentMethodTypes []string          `json:"payment_method_types"`
	ReceiptEmail       *string           `json:"receipt_email"`
	Status             string            `json:"status"`
}

func (p *paymentIntent) objectID() string { return p.ID }
func (p *paymentIntent) createdAt() int64 { return p.Created }

type billingDetails struct {
	Email *string `json:"email"`
	Name  *string `json:"name"`
}

// cardDetails is payment_method_details.card: what the card was, never
// its number.
type cardDetails struct {
	Brand    string `json:"brand"`
	ExpMonth int64  `json:"exp_month"`
	ExpYear  int64  `json:"exp_year"`
	Funding  string `json:"funding"`
	Last4    string `json:"last4"`
}

type paymentMethodDetails struct {
	Card *cardDetails `json:"card"`
	Type string       `json:"type"`
}

type charge struct {
	ID             string         `json:"id"`
	Object         string         `json:"object"`
	Amount         int64          `json:"amount"`
	AmountCaptured int64          `json:"amount_captured"`
	AmountRefunded int64          `json:"amount_refunded"`
	BillingDetails billingDetails `json:"billing_details"`
	Captured       bool           `json:"captured"`
	Created        int64          `json:"created"`
	Currency       string         `json:"currency"`
	// Customer is always null: the simulator makes no customer objects,
	// so a payer's address is on receipt_email and billing_details.
	Customer             *string               `json:"customer"`
	Description          *string               `json:"description"`
	Disputed             bool                  `json:"disputed"`
	Invoice              *string               `json:"invoice"`
	Livemode             bool                  `json:"livemode"`
	Metadata             map[string]string     `json:"metadata"`
	Paid                 bool                  `json:"paid"`
	PaymentIntent        *string               `json:"payment_intent"`
	PaymentMethodDetails *paymentMethodDetails `json:"payment_method_details"`
	ReceiptEmail         *string               `json:"receipt_email"`
	// ReceiptNumber is the number printed on the customer's receipt,
	// "1234-5678"; Stripe sets it when it sends one, the simulator always.
	ReceiptNumber *string `json:"receipt_number"`
	Refunded      bool    `json:"refunded"`
	Status        string  `json:"status"`
}

func (c *charge) objectID() string { return c.ID }
func (c *charge) createdAt() int64 { return c.Created }

type refund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Charge        string            `json:"charge"`
	Created       int64             `json:"created"`
	Currency      string            `json:"currency"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent *string           `json:"payment_intent"`
	Reason        *string           `json:"reason"`
	Status        string            `json:"status"`
}

func (r *refund) objectID() string { return r.ID }
func (r *refund) createdAt() int64 { return r.Created }

type evidenceDetails struct {
	DueBy           int64 `json:"due_by"`
	HasEvidence     bool  `json:"has_evidence"`
	PastDue         bool  `json:"past_due"`
	SubmissionCount int64 `json:"submission_count"`
}

type dispute struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	Amount             int64             `json:"amount"`
	Charge             string            `json:"charge"`
	Created            int64             `json:"created"`
	Currency           string            `json:"currency"`
	EvidenceDetails    evidenceDetails   `json:"evidence_details"`
	IsChargeRefundable bool              `json:"is_charge_refundable"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	PaymentIntent      *string           `json:"payment_intent"`
	Reason             string            `json:"reason"`
	Status             string            `json:"status"`
}

func (d *dispute) objectID() string { return d.ID }
func (d *dispute) createdAt() int64 { return d.Created }

type eventData struct {
	Object json.RawMessage `json:"object"`
}

type eventRequest struct {
	ID             *string `json:"id"`
	IdempotencyKey *string `json:"idempotency_key"`
}

type event struct {
	ID              string       `json:"id"`
	Object          string       `json:"object"`
	APIVersion      string       `json:"api_version"`
	Created         int64        `json:"created"`
	Data            eventData    `json:"data"`
	Livemode        bool         `json:"livemode"`
	PendingWebhooks int64        `json:"pending_webhooks"`
	Request         eventRequest `json:"request"`
	Type            string       `json:"type"`
}

func (e *event) objectID() string { return e.ID }
func (e *event) createdAt() int64 { return e.Created }

// ptr returns a pointer to a copy of v, for the nullable JSON fields.
func ptr[T any](v T) *T { return &v }

// optional is nil for the empty string, so absent values render as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// cloneMap copies metadata so two objects never share one map, and never
// returns nil: Stripe always renders metadata as an object.
func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
