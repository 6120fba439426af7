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
}

// First reports whether the invoice is the subscription's first: the
// purchase, served as the order it began with.
func (i Invoice) First() bool { return i.BillingReason == "subscription_create" }

// Renewal reports whether the invoice bills a later period.
func (i Invoice) Renewal() bool { return i.BillingReason == "subscription_cycle" }
