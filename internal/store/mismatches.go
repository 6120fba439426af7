package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Mismatch is one row of the staff queue: something reconciliation found
// that a person must look at, with the evidence both sides showed.
type Mismatch struct {
	ID                int64           `db:"id"`
	Kind              string          `db:"kind"`
	Status            string          `db:"status"`
	Subject           string          `db:"subject"`
	OrderID           *int64          `db:"order_id"`
	Email             *string         `db:"email"`
	PaymentIntentID   *string         `db:"payment_intent_id"`
	ChargeID          *string         `db:"charge_id"`
	CheckoutSessionID *string         `db:"checkout_session_id"`
	DisputeID         *string         `db:"dispute_id"`
	Amount            *int64          `db:"amount"`
	Currency          *string         `db:"currency"`
	Evidence          json.RawMessage `db:"evidence"`
	Urgent            bool            `db:"urgent"`
	EvidenceDueBy     *time.Time      `db:"evidence_due_by"`
	DetectedAt        time.Time       `db:"detected_at"`
	DetectedByRun     *int64          `db:"detected_by_run"`
	LastSeenRun       *int64          `db:"last_seen_run"`
	LastSeenAt        time.Time       `db:"last_seen_at"`
	ResolvedAt        *time.Time      `db:"resolved_at"`
	Resolution        *string         `db:"resolution"`
}

// MismatchFilter narrows Mismatches; the zero value lists every one.
type MismatchFilter struct {
	Status string // open | auto_resolved | resolved | dismissed, or "" for all
	Kind   string
}

// Mismatches lists mismatches, urgent ones first, then newest first.
func (s *Store) Mismatches(ctx context.Context, f MismatchFilter) ([]Mismatch, error) {
	const q = `
		SELECT id, kind, status, subject, order_id, email, payment_intent_id, charge_id, checkout_session_id,
			dispute_id, amount, currency, evidence, urgent, evidence_due_by, detected_at, detected_by_run,
			last_seen_run, last_seen_at, resolved_at, resolution
		FROM mismatches
		WHERE ($1 = '' OR status = $1) AND ($2 = '' OR kind = $2)
		ORDER BY (urgent AND status = 'open') DESC, detected_at DESC, id DESC`
	out := []Mismatch{}
	if err := s.db.SelectContext(ctx, &out, q, f.Status, f.Kind); err != nil {
		return nil, fmt.Errorf("list mismatches: %w", mapErr(err))
	}
	return out, nil
}
