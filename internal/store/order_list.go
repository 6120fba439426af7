package store

import (
	"context"
	"fmt"
	"time"
)

// OrderRow is one order as `backstop orders --json` prints it.
type OrderRow struct {
	ID                int64      `db:"id" json:"id"`
	PublicRef         string     `db:"public_ref" json:"public_ref"`
	Email             string     `db:"email" json:"email"`
	Plan              string     `db:"plan_code" json:"plan"`
	Amount            int64      `db:"amount" json:"amount"`
	Currency          string     `db:"currency" json:"currency"`
	Status            string     `db:"status" json:"status"`
	FulfilledVia      *string    `db:"fulfilled_via" json:"fulfilled_via"`
	CheckoutSessionID *string    `db:"checkout_session_id" json:"checkout_session_id"`
	PaymentIntentID   *string    `db:"payment_intent_id" json:"payment_intent_id"`
	CreatedAt         time.Time  `db:"created_at" json:"created_at"`
	FulfilledAt       *time.Time `db:"fulfilled_at" json:"fulfilled_at"`
}

// Orders lists orders, oldest first; a non-empty email matches
// case-insensitively.
func (s *Store) Orders(ctx context.Context, email string) ([]OrderRow, error) {
	const q = `
		SELECT id, public_ref, email, plan_code, amount, currency, status, fulfilled_via,
			checkout_session_id, payment_intent_id, created_at, fulfilled_at
		FROM orders
		WHERE $1 = '' OR lower(email) = lower($1)
		ORDER BY id`
	rows := []OrderRow{}
	if err := s.db.SelectContext(ctx, &rows, q, email); err != nil {
		return nil, fmt.Errorf("list orders: %w", mapErr(err))
	}
	return rows, nil
}
