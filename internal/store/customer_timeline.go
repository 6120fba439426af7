package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// CustomerItem is one line of a customer's timeline. Source says what it
// is: order (created), payment (paid), order_event, error, webhook,
// email, mismatch or staff. Key orders items of the same time and source
// and, with At and Source, is the keyset cursor.
type CustomerItem struct {
	At      time.Time `db:"at"`
	Source  string    `db:"source"`
	Key     string    `db:"key"`
	What    string    `db:"what"`   // the event kind, webhook type, template, audit action…
	Actor   string    `db:"actor"`  // who, for staff actions
	Ref     string    `db:"ref"`    // a reference or processor id to show
	Status  string    `db:"status"` // the order's, email's or mismatch's status; a webhook's processed or not
	Detail  string    `db:"detail"` // JSON or words
	OrderID int64     `db:"order_id"`
	ItemID  int64     `db:"item_id"` // the email's or mismatch's id
}

// TimelineCursor is the position after the last item of a page.
type TimelineCursor struct {
	At     time.Time
	Source string
	Key    string
}

// customerTimelineSQL gathers everything about one customer (by email,
// any case) from each source through its index, newest first, and reads
// one page after the cursor. Keys are zero-padded so that text order is
// numeric order.
const customerTimelineSQL = `
	WITH o AS (
		SELECT id, public_ref, status, COALESCE(fulfilled_via, '') AS via, amount, currency, plan_code,
			created_at, paid_at, checkout_session_id, payment_intent_id, charge_id
		FROM orders WHERE lower(email) = lower($1)
	), m AS (
		SELECT id, kind, status, order_id, detected_at, payment_intent_id FROM mismatches
		WHERE lower(email) = lower($1) AND email IS NOT NULL
		UNION SELECT mm.id, mm.kind, mm.status, mm.order_id, mm.detected_at, mm.payment_intent_id
		FROM o CROSS JOIN LATERAL (SELECT id, kind, status, order_id, detected_at, payment_intent_id
			FROM mismatches WHERE order_id = o.id) mm
	), e AS (
		SELECT id, template, status, order_id, created_at, subject FROM email_messages WHERE lower(to_email) = lower($1) AND NOT test
		UNION SELECT em.id, em.template, em.status, em.order_id, em.created_at, em.subject
		FROM o CROSS JOIN LATERAL (SELECT id, template, status, order_id, created_at, subject
			FROM email_messages WHERE order_id = o.id) em
	), targets AS (
		SELECT 'mismatch:' || id AS target FROM m UNION ALL SELECT 'email:' || id FROM e
	), items AS (
		SELECT created_at AS at, 'order' AS source, lpad(CAST(id AS text), 20, '0') AS key, plan_code AS what, '' AS actor,
			public_ref AS ref, status, CAST(amount AS text) || ' ' || currency || ' ' || via AS detail, id AS order_id, 0 AS item_id
		FROM o
		UNION ALL SELECT paid_at, 'payment', lpad(CAST(id AS text), 20, '0'), 'paid', '', COALESCE(payment_intent_id, ''),
			status, COALESCE(charge_id, ''), id, 0
		FROM o WHERE paid_at IS NOT NULL
		UNION ALL SELECT ev.created_at, 'order_event', lpad(CAST(ev.id AS text), 20, '0'), ev.kind, '', o.public_ref, '',
			CAST(ev.detail AS text), o.id, 0
		FROM o CROSS JOIN LATERAL (SELECT id, kind, detail, created_at FROM order_events WHERE order_id = o.id) ev
		UNION ALL SELECT r.created_at, 'error', r.ref, r.method || ' ' || r.route, '', r.ref, CAST(r.status AS text), '', o.id, 0
		FROM o CROSS JOIN LATERAL (SELECT ref, method, route, status, created_at FROM error_reports WHERE order_id = o.id) r
		UNION ALL SELECT p.received_at, 'webhook', p.id, p.type, p.source, p.object_id,
			CASE WHEN p.processed_at IS NOT NULL THEN 'processed' ELSE 'not processed' END, COALESCE(p.last_error, ''), o.id, 0
		FROM o CROSS JOIN LATERAL (SELECT id, type, source, object_id, received_at, processed_at, last_error
			FROM processor_events WHERE object_id IN (o.checkout_session_id, o.payment_intent_id, o.charge_id)) p
		UNION ALL SELECT created_at, 'email', lpad(CAST(id AS text), 20, '0'), template, '', subject, status, '',
			COALESCE(order_id, 0), id
		FROM e
		UNION ALL SELECT detected_at, 'mismatch', lpad(CAST(id AS text), 20, '0'), kind, '', COALESCE(payment_intent_id, ''),
			status, '', COALESCE(order_id, 0), id
		FROM m
		UNION ALL SELECT a.created_at, 'staff', lpad(CAST(a.id AS text), 20, '0'), a.action, a.actor, a.target, '',
			CAST(a.details AS text), 0, 0
		FROM targets CROSS JOIN LATERAL (SELECT id, action, actor, target, details, created_at
			FROM audit_log WHERE target = targets.target) a
	)
	SELECT at, source, key, what, actor, ref, status, detail, order_id, item_id FROM items
	WHERE $2 OR (at, source, key) < ($3, $4, $5)
	ORDER BY at DESC, source DESC, key DESC
	LIMIT $6`

// CustomerTimeline returns up to limit items about the customer with
// email, newest first, after cursor (nil: from the newest), and the
// cursor of the next page (nil when this is the last).
func (s *Store) CustomerTimeline(ctx context.Context, email string, after *TimelineCursor, limit int) ([]CustomerItem, *TimelineCursor, error) {
	first, c := after == nil, TimelineCursor{}
	if after != nil {
		c = *after
	}
	out := []CustomerItem{}
	err := s.db.SelectContext(ctx, &out, customerTimelineSQL, email, first, c.At, c.Source, c.Key, limit+1)
	if err != nil {
		return nil, nil, fmt.Errorf("customer timeline: %w", mapErr(err))
	}
	if len(out) <= limit {
		return out, nil, nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, &TimelineCursor{At: last.At, Source: last.Source, Key: last.Key}, nil
}

// CustomerGrant is one period of access an order granted.
type CustomerGrant struct {
	OrderID    int64     `db:"order_id"`
	PublicRef  string    `db:"public_ref"`
	Plan       string    `db:"plan_code"`
	ValidFrom  time.Time `db:"valid_from"`
	ValidUntil time.Time `db:"valid_until"`
}

// CustomerGrants lists the grants of the account with email, newest
// first: which orders the entitlement comes from.
func (s *Store) CustomerGrants(ctx context.Context, email string) ([]CustomerGrant, error) {
	const q = `
		SELECT g.order_id, o.public_ref, g.plan_code, g.valid_from, g.valid_until
		FROM accounts a JOIN entitlement_grants g ON g.account_id = a.id JOIN orders o ON o.id = g.order_id
		WHERE lower(a.email) = lower($1)
		ORDER BY g.valid_from DESC, g.order_id DESC LIMIT 100`
	out := []CustomerGrant{}
	if err := s.db.SelectContext(ctx, &out, q, email); err != nil {
		return nil, fmt.Errorf("customer grants: %w", mapErr(err))
	}
	return out, nil
}

// CustomerMismatch is an open mismatch about a customer.
type CustomerMismatch struct {
	ID         int64     `db:"id"`
	Kind       string    `db:"kind"`
	Amount     int64     `db:"amount"`
	Currency   string    `db:"currency"`
	DetectedAt time.Time `db:"detected_at"`
	ClaimedBy  string    `db:"claimed_by"`
	// Version, LinkedEmail and Granted are what the mismatch's actions
	// need: the version a form posts back, the account Link account
	// named, and whether its order was served.
	Version     int    `db:"version"`
	LinkedEmail string `db:"linked_email"`
	Granted     bool   `db:"granted"`
	// SubscriptionID is the subscription its payment paid for, "" when
	// none: a full refund may cancel it (resolve.Refund).
	SubscriptionID string `db:"subscription_id"`
}

// CustomerOpenMismatches lists the open mismatches about the customer
// with email or any of their orders, oldest first.
func (s *Store) CustomerOpenMismatches(ctx context.Context, email string) ([]CustomerMismatch, error) {
	q := `
		SELECT m.id, m.kind, COALESCE(m.amount, 0) AS amount, COALESCE(m.currency, '') AS currency, m.detected_at,
			COALESCE(m.claimed_by, '') AS claimed_by, m.version, COALESCE(m.linked_email, '') AS linked_email,
			o.fulfilled_at IS NOT NULL AS granted, ` + subscriptionPaidBy("m.payment_intent_id") + ` AS subscription_id
		FROM mismatches m LEFT JOIN orders o ON o.id = m.order_id
		WHERE m.status = 'open' AND m.id IN (
			SELECT id FROM mismatches WHERE lower(email) = lower($1) AND email IS NOT NULL
			UNION SELECT mm.id FROM orders ord CROSS JOIN LATERAL (SELECT id FROM mismatches WHERE order_id = ord.id) mm
			WHERE lower(ord.email) = lower($1))
		ORDER BY m.detected_at, m.id LIMIT 50`
	out := []CustomerMismatch{}
	if err := s.db.SelectContext(ctx, &out, q, email); err != nil {
		return nil, fmt.Errorf("customer mismatches: %w", mapErr(err))
	}
	return out, nil
}

// EmailMessagesByID returns the emails with the given ids, in one
// statement, for a timeline page that shows each rendered.
func (s *Store) EmailMessagesByID(ctx context.Context, ids []int64) ([]EmailMessage, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages WHERE id = ANY($1)`
	out := []EmailMessage{}
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.db.SelectContext(ctx, &out, sel, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("emails by id: %w", mapErr(err))
	}
	return out, nil
}
