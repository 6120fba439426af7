package billing

import "time"

// Subscription is a processor subscription as Backstop needs it.
type Subscription struct {
	ID string
	// Status is the processor's: active | past_due | canceled | unpaid |
	// incomplete | incomplete_expired | trialing | paused.
	Status             string
	CustomerID         string
	Metadata           map[string]string
	CurrentPeriodStart time.Time
	CurrentPeriodEnd   time.Time
	CancelAtPeriodEnd  bool
	// EndedAt is when the subscription ended; zero while it runs.
	EndedAt         time.Time
	LatestInvoiceID string
	Created         time.Time
}

// Ended reports whether the processor ended the subscription.
func (s Subscription) Ended() bool {
	return s.Status == "canceled" || s.Status == "incomplete_expired" || !s.EndedAt.IsZero()
}

// Invoice is one period's bill of a subscription.
type Invoice struct {
	ID             string
	SubscriptionID string
	// Status is draft | open | paid | uncollectible | void.
	Status string
	// BillingReason is subscription_create for the first invoice (the
	// purchase itself) and subscription_cycle for a renewal.
	BillingReason string
	Paid          bool
	AmountDue     int64
	AmountPaid    int64
	Currency      string
	Email         string
	// HostedURL is the processor's page where the customer pays it (and
	// updates the card).
	HostedURL       string
	PaymentIntentID string
	ChargeID        string
	// PeriodStart and PeriodEnd are the period the invoice pays for: its
	// subscription line's period. (The invoice's own period_start and
	// period_end, for a renewal, are the period that just ended.)
	PeriodStart  time.Time
	PeriodEnd    time.Time
	AttemptCount int64
	// SubscriptionMetadata is the subscription's metadata when the invoice
	// was made: our order id, public reference and plan.
	SubscriptionMetadata map[string]string
	PaidAt               time.Time
	Created              time.Time
	// Subscription and Charge are the invoice's subscription and charge
	// when the processor returned them expanded (GetInvoice asks), so
	// handling a renewal's event reads the processor once.
	Subscription *Subscription
	Charge       *Charge
}

// First reports whether the invoice is the subscription's first: the
// purchase, served as the order it began with.
func (i Invoice) First() bool { return i.BillingReason == "subscription_create" }

// Renewal reports whether the invoice bills a later period.
func (i Invoice) Renewal() bool { return i.BillingReason == "subscription_cycle" }

// SubscriptionRecord is our row of a subscription: the processor's facts
// and the order and account it belongs to.
type SubscriptionRecord struct {
	ID                 string     `db:"id"`
	OrderID            int64      `db:"order_id"`
	AccountID          *int64     `db:"account_id"`
	Email              string     `db:"email"`
	PlanCode           string     `db:"plan_code"`
	Status             string     `db:"status"`
	CurrentPeriodStart *time.Time `db:"current_period_start"`
	CurrentPeriodEnd   *time.Time `db:"current_period_end"`
	CancelAtPeriodEnd  bool       `db:"cancel_at_period_end"`
	EndedAt            *time.Time `db:"ended_at"`
}

// InvoiceRecord is our row of an invoice.
type InvoiceRecord struct {
	ID              string     `db:"id"`
	SubscriptionID  string     `db:"subscription_id"`
	Status          string     `db:"status"`
	BillingReason   string     `db:"billing_reason"`
	Amount          int64      `db:"amount"`
	Currency        string     `db:"currency"`
	PeriodStart     *time.Time `db:"period_start"`
	PeriodEnd       *time.Time `db:"period_end"`
	HostedURL       string     `db:"hosted_invoice_url"`
	PaymentIntentID string     `db:"payment_intent_id"`
	ChargeID        string     `db:"charge_id"`
	PaidAt          *time.Time `db:"paid_at"`
	Created         time.Time  `db:"created_at"`
}

// InvoiceGrant is one paid invoice's access: the entitlement runs at least
// to Until. Extend is false for the first invoice, whose access the
// order's own grant gave.
type InvoiceGrant struct {
	InvoiceID      string
	SubscriptionID string
	AccountID      int64
	OrderID        int64
	PlanCode       string
	Until          time.Time
	Via            Via
	Extend         bool
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func recordOf(sub Subscription, o Order, accountID int64) SubscriptionRecord {
	return SubscriptionRecord{
		ID: sub.ID, OrderID: o.ID, AccountID: &accountID, Email: o.Email, PlanCode: o.PlanCode,
		Status: sub.Status, CurrentPeriodStart: timePtr(sub.CurrentPeriodStart),
		CurrentPeriodEnd: timePtr(sub.CurrentPeriodEnd), CancelAtPeriodEnd: sub.CancelAtPeriodEnd,
		EndedAt: timePtr(sub.EndedAt),
	}
}

func invoiceRecordOf(in Invoice) InvoiceRecord {
	amount := in.AmountPaid
	if !in.Paid {
		amount = in.AmountDue
	}
	return InvoiceRecord{
		ID: in.ID, SubscriptionID: in.SubscriptionID, Status: in.Status, BillingReason: in.BillingReason,
		Amount: amount, Currency: in.Currency, PeriodStart: timePtr(in.PeriodStart), PeriodEnd: timePtr(in.PeriodEnd),
		HostedURL: in.HostedURL, PaymentIntentID: in.PaymentIntentID, ChargeID: in.ChargeID,
		PaidAt: timePtr(in.PaidAt), Created: in.Created.UTC(),
	}
}
