package store

import (
	"context"
	"fmt"
	"time"
)

// CustomerInvoice is one invoice of a customer's subscription with what it
// granted, for the customer page: the invoice_grants row when there is
// one, and the payment_failed email sent for it.
type CustomerInvoice struct {
	ID             string     `db:"id"`
	SubscriptionID string     `db:"subscription_id"`
	Status         string     `db:"status"`
	Amount         int64      `db:"amount"`
	Currency       string     `db:"currency"`
	PeriodStart    *time.Time `db:"period_start"`
	PeriodEnd      *time.Time `db:"period_end"`
	CreatedAt      time.Time  `db:"created_at"`
	// GrantedUntil is the grant's valid_until; nil when the invoice
	// granted nothing. The grant runs from the invoice's period start.
	GrantedUntil *time.Time `db:"granted_until"`
	GrantedVia   string     `db:"granted_via"`
	// FailedEmail is the status of the payment_failed email that sent the
	// customer the invoice's link, "" when none was queued.
	FailedEmail string `db:"failed_email"`
}

// customerInvoicesLimit bounds one page's invoices: decades of yearly
// renewals for a handful of subscriptions.
const customerInvoicesLimit = 200

// CustomerInvoices lists the invoices of every subscription of email
// (case-insensitively), oldest subscription and invoice first, with their
// grants and payment_failed emails, in one query.
func (s *Store) CustomerInvoices(ctx context.Context, email string) ([]CustomerInvoice, error) {
	const q = `
		SELECT i.id, i.subscription_id, i.status, i.amount, i.currency, i.period_start, i.period_end, i.created_at,
			g.valid_until AS granted_until, COALESCE(g.granted_via, '') AS granted_via,
			COALESCE(m.status, '') AS failed_email
		FROM subscriptions s
		JOIN invoices i ON i.subscription_id = s.id
		LEFT JOIN invoice_grants g ON g.invoice_id = i.id
		LEFT JOIN email_messages m ON m.dedupe_key = 'invoice:' || i.id || ':payment_failed'
		WHERE lower(s.email) = lower($1)
		ORDER BY s.created_at, s.id, i.created_at, i.id
		LIMIT $2`
	out := []CustomerInvoice{}
	if err := s.db.SelectContext(ctx, &out, q, email, customerInvoicesLimit); err != nil {
		return nil, fmt.Errorf("customer invoices: %w", mapErr(err))
	}
	return out, nil
}
