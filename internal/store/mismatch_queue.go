package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MismatchSummary is one mismatch as the console's queue lists it: what is
// needed to say in words what is wrong, and its place in the queue. Absent
// values are zero ("" and 0), never NULL.
type MismatchSummary struct {
	ID               int64      `db:"id"`
	Kind             string     `db:"kind"`
	Status           string     `db:"status"`
	Email            string     `db:"email"`
	OrderID          int64      `db:"order_id"`
	PublicRef        string     `db:"public_ref"` // the order's, when there is one
	PaymentIntentID  string     `db:"payment_intent_id"`
	ChargeID         string     `db:"charge_id"`
	Amount           int64      `db:"amount"`
	Currency         string     `db:"currency"`
	ExpectedAmount   int64      `db:"expected_amount"`
	ExpectedCurrency string     `db:"expected_currency"`
	Urgent           bool       `db:"urgent"`
	EvidenceDueBy    *time.Time `db:"evidence_due_by"`
	DetectedAt       time.Time  `db:"detected_at"`
	ClaimedBy        string     `db:"claimed_by"`
	ClaimedAt        *time.Time `db:"claimed_at"`
	Resolution       string     `db:"resolution"`
	// QueueAt orders the queue after urgency: an urgent mismatch's
	// evidence deadline, else when it was detected.
	QueueAt time.Time `db:"queue_at"`
}

// QueueKey is a mismatch's place in the queue, the keyset a page starts
// after.
type QueueKey struct {
	Urgent bool
	At     time.Time
	ID     int64
}

// Key is the row's place in the queue.
func (m MismatchSummary) Key() QueueKey { return QueueKey{Urgent: m.Urgent, At: m.QueueAt, ID: m.ID} }

// QueueQuery selects a page of the queue; zero fields match everything.
type QueueQuery struct {
	Status         string // open, auto_resolved, resolved, dismissed; "" for every status
	Kind           string
	ClaimedBy      string // an email, compared in any case
	Unclaimed      bool
	DetectedBefore time.Time // older than this
	After          *QueueKey
	Limit          int
}

// queueUrgency and queueAt order the queue: urgent first, by evidence
// deadline, then the oldest first. Migration 00007 indexes exactly these
// expressions, so they are written once here and the keyset comparison
// reads the index in order.
const (
	queueUrgency = `(NOT m.urgent)`
	queueAt      = `(CASE WHEN m.urgent THEN COALESCE(m.evidence_due_by, m.detected_at) ELSE m.detected_at END)`
)

const summaryColumns = `m.id, m.kind, m.status, COALESCE(m.email, '') AS email, COALESCE(m.order_id, 0) AS order_id,
	COALESCE(o.public_ref, '') AS public_ref, COALESCE(m.payment_intent_id, '') AS payment_intent_id,
	COALESCE(m.charge_id, '') AS charge_id, COALESCE(m.amount, 0) AS amount, COALESCE(m.currency, '') AS currency,
	COALESCE(m.expected_amount, 0) AS expected_amount, COALESCE(m.expected_currency, '') AS expected_currency,
	m.urgent, m.evidence_due_by, m.detected_at, COALESCE(m.claimed_by, '') AS claimed_by, m.claimed_at,
	COALESCE(m.resolution, '') AS resolution, ` + queueAt + ` AS queue_at`

// MismatchQueue returns one page of mismatches in queue order: urgent
// ones by evidence deadline, then the oldest first, starting after q.After
// (keyset pagination: every page costs the same, however deep).
func (s *Store) MismatchQueue(ctx context.Context, q QueueQuery) ([]MismatchSummary, error) {
	var where []string
	var args []any
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		where = append(where, cond)
	}
	add("TRUE")
	if q.Status != "" {
		add("m.status = ?", q.Status)
	}
	if q.Kind != "" {
		add("m.kind = ?", q.Kind)
	}
	if q.ClaimedBy != "" {
		add("lower(m.claimed_by) = lower(?)", q.ClaimedBy)
	}
	if q.Unclaimed {
		add("m.claimed_by IS NULL")
	}
	if !q.DetectedBefore.IsZero() {
		add("m.detected_at < ?", q.DetectedBefore.UTC())
	}
	if a := q.After; a != nil {
		add("("+queueUrgency+", "+queueAt+", m.id) > (?, ?, ?)", !a.Urgent, a.At.UTC(), a.ID)
	}
	args = append(args, q.Limit)
	sel := `SELECT ` + summaryColumns + `
		FROM mismatches m LEFT JOIN orders o ON o.id = m.order_id
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY ` + queueUrgency + `, ` + queueAt + `, m.id
		LIMIT $` + strconv.Itoa(len(args))
	out := []MismatchSummary{}
	if err := s.db.SelectContext(ctx, &out, sel, args...); err != nil {
		return nil, fmt.Errorf("mismatch queue: %w", mapErr(err))
	}
	return out, nil
}

// CountOpenMismatches counts every open mismatch.
func (s *Store) CountOpenMismatches(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM mismatches WHERE status = 'open'`); err != nil {
		return 0, fmt.Errorf("count open mismatches: %w", mapErr(err))
	}
	return n, nil
}
