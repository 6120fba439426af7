package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// MismatchDetail is one mismatch with everything its page shows from the
// mismatches table.
type MismatchDetail struct {
	MismatchSummary
	Subject           string          `db:"subject"`
	CheckoutSessionID string          `db:"checkout_session_id"`
	DisputeID         string          `db:"dispute_id"`
	Evidence          json.RawMessage `db:"evidence"`
	LastSeenAt        time.Time       `db:"last_seen_at"`
	ResolvedAt        *time.Time      `db:"resolved_at"`
	Notes             string          `db:"notes"`
	// LinkedEmail is the account staff linked the payment to (Link
	// account), or "".
	LinkedEmail string `db:"linked_email"`
	// Version counts staff changes: an action from a page rendered before
	// the last one is refused as stale (package resolve compares it).
	Version int `db:"version"`
	// SubscriptionID is the subscription the payment paid for, "" when
	// none: a full refund may cancel it (resolve.Refund).
	SubscriptionID string `db:"subscription_id"`
}

// MismatchDetail returns the mismatch with id, or an apperr NotFound.
func (s *Store) MismatchDetail(ctx context.Context, id int64) (MismatchDetail, error) {
	q := `SELECT ` + summaryColumns + `, m.subject, COALESCE(m.checkout_session_id, '') AS checkout_session_id,
			COALESCE(m.dispute_id, '') AS dispute_id, m.evidence, m.last_seen_at, m.resolved_at, m.notes,
			COALESCE(m.linked_email, '') AS linked_email, m.version,
			` + subscriptionPaidBy("m.payment_intent_id") + ` AS subscription_id
		FROM mismatches m LEFT JOIN orders o ON o.id = m.order_id
		WHERE m.id = $1`
	var d MismatchDetail
	if err := s.db.GetContext(ctx, &d, q, id); err != nil {
		return MismatchDetail{}, fmt.Errorf("mismatch %d: %w", id, mapErr(err))
	}
	return d, nil
}

// CaseOrder is an order as a mismatch's page shows it.
type CaseOrder struct {
	ID                int64      `db:"id"`
	PublicRef         string     `db:"public_ref"`
	Email             string     `db:"email"`
	Plan              string     `db:"plan_code"`
	Amount            int64      `db:"amount"`
	Currency          string     `db:"currency"`
	Status            string     `db:"status"`
	FulfilledVia      string     `db:"fulfilled_via"`
	CheckoutSessionID string     `db:"checkout_session_id"`
	PaymentIntentID   string     `db:"payment_intent_id"`
	ChargeID          string     `db:"charge_id"`
	AccountID         int64      `db:"account_id"`
	CreatedAt         time.Time  `db:"created_at"`
	PaidAt            *time.Time `db:"paid_at"`
	FulfilledAt       *time.Time `db:"fulfilled_at"`
}

// CaseOrder returns the order with id, or an apperr NotFound.
func (s *Store) CaseOrder(ctx context.Context, id int64) (CaseOrder, error) {
	const q = `
		SELECT id, public_ref, email, plan_code, amount, currency, status, COALESCE(fulfilled_via, '') AS fulfilled_via,
			COALESCE(checkout_session_id, '') AS checkout_session_id, COALESCE(payment_intent_id, '') AS payment_intent_id,
			COALESCE(charge_id, '') AS charge_id, COALESCE(account_id, 0) AS account_id, created_at, paid_at, fulfilled_at
		FROM orders WHERE id = $1`
	var o CaseOrder
	if err := s.db.GetContext(ctx, &o, q, id); err != nil {
		return CaseOrder{}, fmt.Errorf("order %d: %w", id, mapErr(err))
	}
	return o, nil
}

// CaseAccount is a customer account and what it may use.
type CaseAccount struct {
	ID           int64     `db:"id"`
	Email        string    `db:"email"`
	CreatedAt    time.Time `db:"created_at"`
	Entitlements []CaseEntitlement
}

// CaseEntitlement is access to one plan until a time, granted last by an
// order.
type CaseEntitlement struct {
	Plan       string    `db:"plan_code"`
	ValidUntil time.Time `db:"valid_until"`
	OrderID    int64     `db:"order_id"`
}

// CaseAccount returns the account with id or, when id is 0, the one for
// email in any case, with its entitlements; apperr NotFound when there is
// none.
func (s *Store) CaseAccount(ctx context.Context, id int64, email string) (CaseAccount, error) {
	q, arg := `SELECT id, email, created_at FROM accounts WHERE id = $1`, any(id)
	if id == 0 {
		q, arg = `SELECT id, email, created_at FROM accounts WHERE lower(email) = lower($1)`, email
	}
	const ents = `
		SELECT plan_code, valid_until, order_id FROM entitlements WHERE account_id = $1 ORDER BY plan_code`
	var a CaseAccount
	if err := s.db.GetContext(ctx, &a, q, arg); err != nil {
		return CaseAccount{}, fmt.Errorf("account: %w", mapErr(err))
	}
	a.Entitlements = []CaseEntitlement{}
	if err := s.db.SelectContext(ctx, &a.Entitlements, ents, a.ID); err != nil {
		return CaseAccount{}, fmt.Errorf("entitlements of account %d: %w", a.ID, mapErr(err))
	}
	return a, nil
}

// CaseEmail is one email queued for a customer, without its body.
type CaseEmail struct {
	ID       int64  `db:"id"`
	Template string `db:"template"`
	// TemplateVersion is the version it was rendered from.
	TemplateVersion *int       `db:"template_version"`
	To              string     `db:"to_email"`
	Subject         string     `db:"subject"`
	Status          string     `db:"status"`
	Attempts        int        `db:"attempts"`
	CreatedAt       time.Time  `db:"created_at"`
	SentAt          *time.Time `db:"sent_at"`
}

// CaseEmails lists the emails of an order or, when orderID is 0, those to
// email, oldest first, at most limit. Test sends from the template editor
// are not emails to a customer and are left out (they are about no order,
// so only the lookup by address can meet one).
func (s *Store) CaseEmails(ctx context.Context, orderID int64, email string, limit int) ([]CaseEmail, error) {
	const cols = `SELECT id, template, template_version, to_email, subject, status, attempts, created_at, sent_at
		FROM email_messages `
	q, arg := cols+`WHERE order_id = $1 ORDER BY id LIMIT $2`, any(orderID)
	if orderID == 0 {
		q, arg = cols+`WHERE lower(to_email) = lower($1) AND NOT test ORDER BY id LIMIT $2`, email
	}
	out := []CaseEmail{}
	if err := s.db.SelectContext(ctx, &out, q, arg, limit); err != nil {
		return nil, fmt.Errorf("emails: %w", mapErr(err))
	}
	return out, nil
}

// TimelineEntry is one thing that happened to an order or a mismatch: an
// order event, or a staff action from the audit log.
type TimelineEntry struct {
	At     time.Time `db:"at"`
	Source string    `db:"source"` // order | staff
	What   string    `db:"what"`   // the event kind or audit action
	Actor  string    `db:"actor"`  // who, for staff actions
	Detail string    `db:"detail"` // JSON
}

// Timeline merges the order's events and the audit rows whose target is
// auditTarget, oldest first, at most limit.
func (s *Store) Timeline(ctx context.Context, orderID int64, auditTarget string, limit int) ([]TimelineEntry, error) {
	const q = `
		SELECT at, source, what, actor, detail FROM (
			SELECT created_at AS at, 'order' AS source, kind AS what, '' AS actor, CAST(detail AS text) AS detail, id
			FROM order_events WHERE order_id = $1
			UNION ALL
			SELECT created_at, 'staff', action, actor, CAST(details AS text), id
			FROM audit_log WHERE target = $2
		) t ORDER BY at, source, id LIMIT $3`
	out := []TimelineEntry{}
	if err := s.db.SelectContext(ctx, &out, q, orderID, auditTarget, limit); err != nil {
		return nil, fmt.Errorf("timeline: %w", mapErr(err))
	}
	return out, nil
}
