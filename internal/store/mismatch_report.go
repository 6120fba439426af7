package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/billing"
)

// The event path's writes to the mismatch queue: a late refund or a
// dispute opens its mismatch at once, under the kind and subject the sweep
// uses, so the sweep's next run updates that row (its ON CONFLICT on the
// open (kind, subject) key) rather than adding one.

// lockSubject serializes the event path's writes for one (kind, subject)
// until the transaction ends, so two events about one dispute cannot both
// record it.
const lockSubject = `SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0))`

// OpenMismatch opens a mismatch for m, or updates the open one of its kind
// and subject (evidence, amounts, deadline); a subject a person resolved or
// dismissed stays as they left it, as the sweep leaves it. It reports
// whether a mismatch was opened.
func (t *Tx) OpenMismatch(ctx context.Context, m billing.MismatchReport) (bool, error) {
	const q = `
		INSERT INTO mismatches (kind, subject, subject_at, order_id, email, payment_intent_id, charge_id,
			checkout_session_id, dispute_id, amount, currency, evidence, urgent, evidence_due_by)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CAST($12 AS jsonb), $13, $14
		WHERE NOT EXISTS (SELECT 1 FROM mismatches WHERE kind = $1 AND subject = $2 AND status IN ('resolved', 'dismissed'))
		ON CONFLICT (kind, subject) WHERE status = 'open' DO UPDATE SET
			evidence = EXCLUDED.evidence, urgent = EXCLUDED.urgent, last_seen_at = now(), updated_at = now(),
			order_id = COALESCE(EXCLUDED.order_id, mismatches.order_id), email = COALESCE(EXCLUDED.email, mismatches.email),
			amount = COALESCE(EXCLUDED.amount, mismatches.amount), currency = COALESCE(EXCLUDED.currency, mismatches.currency),
			evidence_due_by = COALESCE(EXCLUDED.evidence_due_by, mismatches.evidence_due_by)
		RETURNING xmax = 0`
	args, err := reportArgs(m)
	if err != nil {
		return false, err
	}
	if err := t.exec(ctx, "lock mismatch subject", lockSubject, m.Kind, m.Subject); err != nil {
		return false, err
	}
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("open %s mismatch %s: %w", m.Kind, m.Subject, mapErr(err))
	}
	defer rows.Close()
	opened := false
	for rows.Next() {
		if err := rows.Scan(&opened); err != nil {
			return false, fmt.Errorf("scan opened mismatch: %w", err)
		}
	}
	return opened, mapErr(rows.Err())
}

// ResolveMismatch resolves the open mismatch of m's kind and subject with
// resolution and m's evidence. When the subject never had a mismatch (the
// good news came first), m is recorded already resolved; a subject that
// has one in any other state is left alone.
func (t *Tx) ResolveMismatch(ctx context.Context, m billing.MismatchReport, resolution string) error {
	const q = `
		WITH resolved AS (
			UPDATE mismatches SET status = 'resolved', resolved_at = now(), resolution = $15,
				evidence = CAST($12 AS jsonb), last_seen_at = now(), updated_at = now()
			WHERE kind = $1 AND subject = $2 AND status = 'open'
			RETURNING id
		)
		INSERT INTO mismatches (kind, subject, subject_at, order_id, email, payment_intent_id, charge_id,
			checkout_session_id, dispute_id, amount, currency, evidence, urgent, evidence_due_by,
			status, resolved_at, resolution)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CAST($12 AS jsonb), $13, $14, 'resolved', now(), $15
		WHERE NOT EXISTS (SELECT 1 FROM resolved)
			AND NOT EXISTS (SELECT 1 FROM mismatches WHERE kind = $1 AND subject = $2)`
	args, err := reportArgs(m)
	if err != nil {
		return err
	}
	if err := t.exec(ctx, "lock mismatch subject", lockSubject, m.Kind, m.Subject); err != nil {
		return err
	}
	return t.exec(ctx, "resolve "+m.Kind+" mismatch "+m.Subject, q, append(args, resolution)...)
}

// reportArgs are $1…$14 of the statements above.
func reportArgs(m billing.MismatchReport) ([]any, error) {
	evidence, err := json.Marshal(m.Evidence)
	if err != nil {
		return nil, fmt.Errorf("mismatch evidence: %w", err)
	}
	var orderID, amount *int64
	if m.OrderID != 0 {
		orderID = &m.OrderID
	}
	if m.Amount != 0 {
		amount = &m.Amount
	}
	return []any{
		m.Kind, m.Subject, optTime(m.SubjectAt), orderID, nonEmpty(m.Email), nonEmpty(m.PaymentIntentID),
		nonEmpty(m.ChargeID), nonEmpty(m.CheckoutSessionID), nonEmpty(m.DisputeID), amount, nonEmpty(m.Currency),
		string(evidence), m.Urgent, optTime(m.EvidenceDueBy),
	}, nil
}

// optTime is NULL for the zero time, else the time in UTC.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
