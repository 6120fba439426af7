package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// SubscriptionRow is one line of `backstop subscriptions --json` (DESIGN
// section 12): the processor's status and period as last read, our access,
// and every invoice with whether it was granted.
type SubscriptionRow struct {
	ID               string           `db:"id" json:"id"`
	Email            string           `db:"email" json:"email"`
	Plan             string           `db:"plan_code" json:"plan"`
	Status           string           `db:"status" json:"status"`
	CurrentPeriodEnd *time.Time       `db:"current_period_end" json:"current_period_end"`
	AccessUntil      *time.Time       `db:"access_until" json:"access_until"`
	Invoices         SubscriptionBill `db:"invoices" json:"invoices"`
}

// InvoiceLine is one invoice of a subscription.
type InvoiceLine struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Granted  bool   `json:"granted"`
}

// SubscriptionBill is a subscription's invoices, oldest first, read from
// one JSON aggregate.
type SubscriptionBill []InvoiceLine

// Scan reads the aggregate.
func (b *SubscriptionBill) Scan(src any) error {
	raw, ok := src.([]byte)
	if !ok {
		s, isString := src.(string)
		if !isString {
			return fmt.Errorf("invoices: unexpected %T", src)
		}
		raw = []byte(s)
	}
	*b = SubscriptionBill{}
	return json.Unmarshal(raw, (*[]InvoiceLine)(b))
}

// Subscriptions lists every subscription (of email, case-insensitively,
// when given), oldest first, with its invoices, in one query.
func (s *Store) Subscriptions(ctx context.Context, email string) ([]SubscriptionRow, error) {
	return s.subscriptions(ctx, email, `COALESCE((SELECT json_agg(json_build_object('id', i.id, 'status', i.status,
			'amount', i.amount, 'currency', i.currency, 'granted', g.invoice_id IS NOT NULL) ORDER BY i.created_at, i.id)
		FROM invoices i LEFT JOIN invoice_grants g ON g.invoice_id = i.id
		WHERE i.subscription_id = s.id), '[]')`)
}

// CustomerSubscriptions is Subscriptions of email without the invoices,
// for the customer page, which reads them with what each granted
// (CustomerInvoices).
func (s *Store) CustomerSubscriptions(ctx context.Context, email string) ([]SubscriptionRow, error) {
	return s.subscriptions(ctx, email, `'[]'`)
}

// subscriptions lists the subscriptions with invoices, a JSON array of
// InvoiceLine for each (s is the subscription).
func (s *Store) subscriptions(ctx context.Context, email, invoices string) ([]SubscriptionRow, error) {
	q := `
		SELECT s.id, s.email, s.plan_code, s.status, s.current_period_end, e.valid_until AS access_until,
			` + invoices + ` AS invoices
		FROM subscriptions s
		LEFT JOIN entitlements e ON e.account_id = s.account_id AND e.plan_code = s.plan_code
		WHERE $1 = '' OR lower(s.email) = lower($1)
		ORDER BY s.created_at, s.id`
	rows := []SubscriptionRow{}
	if err := s.db.SelectContext(ctx, &rows, q, email); err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", mapErr(err))
	}
	return rows, nil
}

// subscriptionPaidBy is, as a column, the id of the subscription the
// payment intent pi (an SQL expression) paid for as our rows record it:
// the one whose invoice it paid, else the one its order started; "" when
// none (a one-time purchase, or a payment we never recorded). The console
// shows it beforehand; a refund that stops the subscription asks the
// processor instead (resolve.stopRenewing).
func subscriptionPaidBy(pi string) string {
	return `COALESCE((SELECT paid.subscription_id FROM (
			SELECT i.subscription_id, 1 AS rank FROM invoices i WHERE i.payment_intent_id = ` + pi + `
			UNION ALL
			SELECT ps.id, 2 FROM subscriptions ps JOIN orders po ON po.id = ps.order_id WHERE po.payment_intent_id = ` + pi + `
		) paid ORDER BY paid.rank LIMIT 1), '')`
}
