package store

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/staff"
)

// MismatchState is a mismatch as staff actions read it: the finding, who
// last changed it and how, and its version. Absent text reads as "".
type MismatchState struct {
	ID                int64           `db:"id"`
	Kind              string          `db:"kind"`
	Status            string          `db:"status"`
	Subject           string          `db:"subject"`
	OrderID           *int64          `db:"order_id"`
	Email             string          `db:"email"`
	LinkedEmail       string          `db:"linked_email"`
	PaymentIntentID   string          `db:"payment_intent_id"`
	ChargeID          string          `db:"charge_id"`
	CheckoutSessionID string          `db:"checkout_session_id"`
	Amount            int64           `db:"amount"`
	Currency          string          `db:"currency"`
	Evidence          json.RawMessage `db:"evidence"`
	Notes             string          `db:"notes"`
	Version           int             `db:"version"`
	ClaimedBy         string          `db:"claimed_by"`
	ClaimedAt         *time.Time      `db:"claimed_at"`
	LastActor         string          `db:"last_actor"`
	LastAction        string          `db:"last_action"`
	LastActionAt      *time.Time      `db:"last_action_at"`
	ResolvedAt        *time.Time      `db:"resolved_at"`
	ResolvedBy        string          `db:"resolved_by"`
	ResolvedAction    string          `db:"resolved_action"`
	Resolution        string          `db:"resolution"`
	PendingRefund     *PendingRefund  `db:"pending_refund"`
}

// PendingRefund is a refund written down before the processor is asked for
// it. Its Key is the idempotency key the request is sent (and resent) with.
type PendingRefund struct {
	Key      string    `json:"key"`
	Amount   int64     `json:"amount"`
	Currency string    `json:"currency"`
	Reason   string    `json:"reason"`
	Comment  string    `json:"comment"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
}

// Scan reads the JSONB column.
func (p *PendingRefund) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, p)
	case string:
		return json.Unmarshal([]byte(v), p)
	}
	return fmt.Errorf("pending refund: cannot scan %T", src)
}

// Value writes the JSONB column; a nil refund is NULL.
func (p *PendingRefund) Value() (driver.Value, error) {
	if p == nil {
		return nil, nil
	}
	b, err := json.Marshal(p)
	return string(b), err
}

const mismatchStateColumns = `
	id, kind, status, subject, order_id, COALESCE(email, '') AS email, COALESCE(linked_email, '') AS linked_email,
	COALESCE(payment_intent_id, '') AS payment_intent_id, COALESCE(charge_id, '') AS charge_id,
	COALESCE(checkout_session_id, '') AS checkout_session_id, COALESCE(amount, 0) AS amount,
	COALESCE(currency, '') AS currency, evidence, notes, version, COALESCE(claimed_by, '') AS claimed_by,
	claimed_at, COALESCE(last_actor, '') AS last_actor, COALESCE(last_action, '') AS last_action, last_action_at,
	resolved_at, COALESCE(resolved_by, '') AS resolved_by, COALESCE(resolved_action, '') AS resolved_action,
	COALESCE(resolution, '') AS resolution, pending_refund`

// MismatchForAction reads a mismatch without locking it, for the checks an
// action makes before it asks the processor anything. NotFound if absent.
func (s *Store) MismatchForAction(ctx context.Context, id int64) (MismatchState, error) {
	return getMismatchState(ctx, s.db, `id = $1`, id)
}

// LockMismatch reads a mismatch FOR UPDATE: two actions on one mismatch
// queue here, and the second sees what the first did.
func (t *Tx) LockMismatch(ctx context.Context, id int64) (MismatchState, error) {
	return getMismatchState(ctx, t, `id = $1 FOR UPDATE`, id)
}

func getMismatchState(ctx context.Context, q sqlx.QueryerContext, where string, id int64) (MismatchState, error) {
	var m MismatchState
	if err := sqlx.GetContext(ctx, q, &m, `SELECT `+mismatchStateColumns+` FROM mismatches WHERE `+where, id); err != nil {
		return MismatchState{}, fmt.Errorf("mismatch %d: %w", id, mapErr(err))
	}
	return m, nil
}

// MismatchChange is one staff change to a mismatch. Every change bumps the
// version and records who made it; the other fields change only when set.
type MismatchChange struct {
	ID     int64
	Actor  string // the staff email
	Action string // what they did, e.g. "dismiss"
	At     time.Time
	// Close, when "resolved" or "dismissed", closes the mismatch with
	// Resolution, recording Actor and Action as who closed it and how.
	Close      string
	Resolution string
	// LinkedEmail, when set, is the account staff linked the payment to.
	LinkedEmail string
	// Claim makes Actor the one working on it.
	Claim bool
	// Note is appended to the notes as given.
	Note string
	// SetPending replaces the pending refund with Pending (nil clears it).
	SetPending bool
	Pending    *PendingRefund
	// OrderID, when set, is the order the change served: a mismatch that
	// had none (a payment whose order was lost) then shows it.
	OrderID int64
}

// UpdateMismatch applies c and returns the new version. The caller holds
// the row lock (LockMismatch) and has compared the version it expected.
func (t *Tx) UpdateMismatch(ctx context.Context, c MismatchChange) (int, error) {
	const q = `
		UPDATE mismatches SET
			version = version + 1, last_actor = $2, last_action = $3, last_action_at = $4, updated_at = now(),
			status = COALESCE($5, status),
			resolved_at = CASE WHEN $5 IS NULL THEN resolved_at ELSE $4 END,
			resolved_by = CASE WHEN $5 IS NULL THEN resolved_by ELSE $2 END,
			resolved_action = CASE WHEN $5 IS NULL THEN resolved_action ELSE $3 END,
			resolution = CASE WHEN $5 IS NULL THEN resolution ELSE $6 END,
			linked_email = COALESCE($7, linked_email),
			email = COALESCE($7, email),
			claimed_by = CASE WHEN $8 THEN $2 ELSE claimed_by END,
			claimed_at = CASE WHEN $8 THEN $4 ELSE claimed_at END,
			notes = notes || $9,
			pending_refund = CASE WHEN $10 THEN CAST($11 AS jsonb) ELSE pending_refund END,
			order_id = COALESCE($12, order_id)
		WHERE id = $1
		RETURNING version`
	var version int
	err := t.GetContext(ctx, &version, q, c.ID, c.Actor, c.Action, c.At.UTC(), nonEmpty(c.Close), c.Resolution,
		nonEmpty(c.LinkedEmail), c.Claim, c.Note, c.SetPending, c.Pending, nonZero(c.OrderID))
	if err != nil {
		return 0, fmt.Errorf("update mismatch %d: %w", c.ID, mapErr(err))
	}
	return version, nil
}

// AppendAudit writes one audit row in the transaction of the change it
// records.
func (t *Tx) AppendAudit(ctx context.Context, a staff.AuditEntry) error {
	return appendAudit(ctx, t, a)
}

// LockOrderByPaymentIntent reads FOR UPDATE the order a payment intent
// paid for. NotFound when no order recorded it.
func (t *Tx) LockOrderByPaymentIntent(ctx context.Context, paymentIntentID string) (billing.Order, error) {
	return getOrder(ctx, t, `payment_intent_id = $1 FOR UPDATE`, paymentIntentID)
}
