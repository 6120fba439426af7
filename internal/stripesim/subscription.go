package stripesim

// Subscriptions and their invoices, as Checkout's subscription mode makes
// them at API 2023-10-16. The simulator has no Customer or Price objects:
// a subscription remembers its price and its card itself, and its
// customer is an id with nothing behind it (as a deleted customer's).

// subscriptionItemPrice is what the simulator shows of the one price.
type recurring struct {
	Interval      string `json:"interval"`
	IntervalCount int64  `json:"interval_count"`
}

type subscriptionPrice struct {
	ID         string    `json:"id"`
	Object     string    `json:"object"`
	Currency   string    `json:"currency"`
	Recurring  recurring `json:"recurring"`
	Type       string    `json:"type"`
	UnitAmount int64     `json:"unit_amount"`
}

type subscriptionItem struct {
	ID       string            `json:"id"`
	Object   string            `json:"object"`
	Price    subscriptionPrice `json:"price"`
	Quantity int64             `json:"quantity"`
}

type subscriptionItems struct {
	Object  string             `json:"object"`
	Data    []subscriptionItem `json:"data"`
	HasMore bool               `json:"has_more"`
	URL     string             `json:"url"`
}

type subscription struct {
	ID                 string            `json:"id"`
	Object             string            `json:"object"`
	CancelAtPeriodEnd  bool              `json:"cancel_at_period_end"`
	CanceledAt         *int64            `json:"canceled_at"`
	Created            int64             `json:"created"`
	Currency           string            `json:"currency"`
	CurrentPeriodEnd   int64             `json:"current_period_end"`
	CurrentPeriodStart int64             `json:"current_period_start"`
	Customer           string            `json:"customer"`
	EndedAt            *int64            `json:"ended_at"`
	Items              subscriptionItems `json:"items"`
	LatestInvoice      *string           `json:"latest_invoice"`
	Livemode           bool              `json:"livemode"`
	Metadata           map[string]string `json:"metadata"`
	StartDate          int64             `json:"start_date"`
	Status             string            `json:"status"`
}

// subscriptionRecord keeps, beside the public subscription, what pays its
// renewals: the card on file (as typed, to decide each charge), the payer's
// address and the price.
type subscriptionRecord struct {
	Sub      *subscription `json:"sub"`
	Card     string        `json:"card"`
	Email    string        `json:"email"`
	Amount   int64         `json:"amount"`
	Interval string        `json:"interval"`
	Product  string        `json:"product"`
}

func (r *subscriptionRecord) objectID() string { return r.Sub.ID }
func (r *subscriptionRecord) createdAt() int64 { return r.Sub.Created }

type period struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

type invoiceLine struct {
	ID          string            `json:"id"`
	Object      string            `json:"object"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Description string            `json:"description"`
	Period      period            `json:"period"`
	Price       subscriptionPrice `json:"price"`
	Quantity    int64             `json:"quantity"`
	Type        string            `json:"type"`
}

type invoiceLines struct {
	Object  string        `json:"object"`
	Data    []invoiceLine `json:"data"`
	HasMore bool          `json:"has_more"`
	URL     string        `json:"url"`
}

type invoiceSubscriptionDetails struct {
	Metadata map[string]string `json:"metadata"`
}

// invoice is one period's bill. As at Stripe, a renewal's period_start
// and period_end are the period that just ended (the one usage would be
// billed for); the period the payment buys is its line's period.
type invoice struct {
	ID                  string                      `json:"id"`
	Object              string                      `json:"object"`
	AmountDue           int64                       `json:"amount_due"`
	AmountPaid          int64                       `json:"amount_paid"`
	AmountRemaining     int64                       `json:"amount_remaining"`
	AttemptCount        int64                       `json:"attempt_count"`
	Attempted           bool                        `json:"attempted"`
	BillingReason       string                      `json:"billing_reason"`
	Charge              *string                     `json:"charge"`
	Created             int64                       `json:"created"`
	Currency            string                      `json:"currency"`
	Customer            string                      `json:"customer"`
	CustomerEmail       *string                     `json:"customer_email"`
	HostedInvoiceURL    *string                     `json:"hosted_invoice_url"`
	Lines               invoiceLines                `json:"lines"`
	Livemode            bool                        `json:"livemode"`
	Metadata            map[string]string           `json:"metadata"`
	NextPaymentAttempt  *int64                      `json:"next_payment_attempt"`
	Paid                bool                        `json:"paid"`
	PaymentIntent       *string                     `json:"payment_intent"`
	PeriodEnd           int64                       `json:"period_end"`
	PeriodStart         int64                       `json:"period_start"`
	Status              string                      `json:"status"`
	StatusTransitions   map[string]*int64           `json:"status_transitions"`
	Subscription        *string                     `json:"subscription"`
	SubscriptionDetails *invoiceSubscriptionDetails `json:"subscription_details"`
	Total               int64                       `json:"total"`
}

func (i *invoice) objectID() string { return i.ID }
func (i *invoice) createdAt() int64 { return i.Created }
