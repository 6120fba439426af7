package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/backstophq/backstop/internal/billing"
)

// HealItem is one finding the sweep hands to billing's Fulfill, with the
// facts the processor listed for its payment.
type HealItem struct {
	Kind    string
	Subject string
	Payment billing.PaidCheckout
}

// HealItems returns up to limit findings of a run to heal, after the given
// (kind, subject) in key order, so a caller can page through any number.
func (s *Store) HealItems(ctx context.Context, runID int64, afterKind, afterSubject string, limit int) ([]HealItem, error) {
	const q = `
		SELECT f.kind, f.subject, COALESCE(p.session_id, ''), p.payment_intent_id, COALESCE(p.charge_id, ''),
			p.amount, p.currency, COALESCE(p.email, ''), COALESCE(p.order_id, 0), COALESCE(p.public_ref, ''),
			COALESCE(p.plan, ''), p.created
		FROM recon_findings f
		JOIN recon_payments p ON p.run_id = f.run_id AND p.examine AND p.payment_intent_id = f.payment_intent_id
		WHERE f.run_id = $1 AND f.action = 'heal' AND (f.kind, f.subject) > ($2, $3)
		ORDER BY f.kind, f.subject LIMIT $4`
	rows, err := s.db.QueryContext(ctx, q, runID, afterKind, afterSubject, limit)
	if err != nil {
		return nil, fmt.Errorf("heal items: %w", mapErr(err))
	}
	defer rows.Close()
	var out []HealItem
	for rows.Next() {
		var h HealItem
		p := &h.Payment
		if err := rows.Scan(&h.Kind, &h.Subject, &p.SessionID, &p.PaymentIntentID, &p.ChargeID, &p.Amount,
			&p.Currency, &p.Email, &p.OrderID, &p.PublicRef, &p.PlanCode, &p.PaidAt); err != nil {
			return nil, fmt.Errorf("scan heal item: %w", err)
		}
		out = append(out, h)
	}
	return out, mapErr(rows.Err())
}

// MarkHeld turns a heal finding that Fulfill held into a queued
// amount_mismatch on the order Fulfill linked or rebuilt.
func (s *Store) MarkHeld(ctx context.Context, runID int64, kind, subject string, orderID int64) error {
	const q = `
		UPDATE recon_findings SET kind = $5, action = 'queue', order_id = $4
		WHERE run_id = $1 AND kind = $2 AND subject = $3`
	if _, err := s.db.ExecContext(ctx, q, runID, kind, subject, orderID, billing.KindAmountMismatch); err != nil {
		return fmt.Errorf("mark finding held: %w", mapErr(err))
	}
	return nil
}

// MarkUnmatched turns a heal finding that Fulfill could not match into a
// queued finding of kind (identity_unknown or orphan_payment).
func (s *Store) MarkUnmatched(ctx context.Context, runID int64, kind, subject, newKind string) error {
	const q = `UPDATE recon_findings SET kind = $4, action = 'queue' WHERE run_id = $1 AND kind = $2 AND subject = $3`
	if _, err := s.db.ExecContext(ctx, q, runID, kind, subject, newKind); err != nil {
		return fmt.Errorf("mark finding unmatched: %w", mapErr(err))
	}
	return nil
}

// NoteServedDuplicates adds to a run's duplicate_payment findings the
// orders served in the same run (rebuilt for them), which the classifier
// could not have named yet: in the evidence, the order that now holds the
// payment a finding repeats; as the finding's order, the one that holds
// its own payment.
func (s *Store) NoteServedDuplicates(ctx context.Context, runID int64) error {
	const q = `
		UPDATE recon_findings f SET evidence = jsonb_set(f.evidence, '{duplicates,order}', ` + orderEvidence + `)
		FROM orders o
		WHERE f.run_id = $1 AND f.kind = $2 AND f.evidence->'duplicates'->'order' = 'null'
			AND o.payment_intent_id = f.evidence->'duplicates'->>'payment_intent'`
	if _, err := s.db.ExecContext(ctx, q, runID, billing.KindDuplicatePayment); err != nil {
		return fmt.Errorf("note served duplicates: %w", mapErr(err))
	}
	// A duplicate served in the same run (the order it asked for rebuilt)
	// is queued with that order: its refund then withdraws the period the
	// order granted, where without it the case would say the payment bought
	// nothing until a later run linked them.
	const own = `
		UPDATE recon_findings f SET order_id = o.id
		FROM orders o
		WHERE f.run_id = $1 AND f.kind = $2 AND f.order_id IS NULL AND o.payment_intent_id = f.payment_intent_id`
	if _, err := s.db.ExecContext(ctx, own, runID, billing.KindDuplicatePayment); err != nil {
		return fmt.Errorf("note served duplicates' orders: %w", mapErr(err))
	}
	return nil
}

// ExpireFindings moves every pending order a run found with an expired
// checkout session to expired, with a timeline row each, in one statement.
// An order paid meanwhile (no longer pending) is left alone.
func (s *Store) ExpireFindings(ctx context.Context, runID int64) (int, error) {
	const q = `
		WITH moved AS (
			UPDATE orders o SET status = 'expired', updated_at = now()
			FROM recon_findings f
			WHERE f.run_id = $1 AND f.action = 'expire' AND o.id = f.order_id AND o.status = 'pending'
			RETURNING o.id, f.checkout_session_id
		)
		INSERT INTO order_events (order_id, kind, detail)
		SELECT id, 'expired', jsonb_build_object('via', 'sweep', 'checkout_session', checkout_session_id) FROM moved`
	res, err := s.db.ExecContext(ctx, q, runID)
	if err != nil {
		return 0, fmt.Errorf("expire pending orders: %w", mapErr(err))
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// HoldNotice is a payment a person must finish whose customer can be told
// so: the holding email goes to Email.
type HoldNotice struct {
	Kind            string
	PaymentIntentID string
	Email           string
	Amount          int64
	Currency        string
	OrderID         int64
	PublicRef       string
}

// HoldNotices lists a run's queued findings that deserve a holding email:
// payments with an email that a person must finish.
func (s *Store) HoldNotices(ctx context.Context, runID int64) ([]HoldNotice, error) {
	const q = `
		SELECT f.kind, f.payment_intent_id, f.email, f.amount, f.currency, COALESCE(o.id, 0), COALESCE(o.public_ref, '')
		FROM recon_findings f LEFT JOIN orders o ON o.id = f.order_id
		WHERE f.run_id = $1 AND f.action = 'queue' AND f.kind = ANY($2)
			AND f.email IS NOT NULL AND f.payment_intent_id IS NOT NULL
		ORDER BY f.subject`
	var out []HoldNotice
	rows, err := s.db.QueryContext(ctx, q, runID, pq.Array([]string{billing.KindAmountMismatch, billing.KindOrphanPayment}))
	if err != nil {
		return nil, fmt.Errorf("hold notices: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var n HoldNotice
		if err := rows.Scan(&n.Kind, &n.PaymentIntentID, &n.Email, &n.Amount, &n.Currency, &n.OrderID, &n.PublicRef); err != nil {
			return nil, fmt.Errorf("scan hold notice: %w", err)
		}
		out = append(out, n)
	}
	return out, mapErr(rows.Err())
}

// FindingCounts counts a run's findings by kind, healed ones included.
func (s *Store) FindingCounts(ctx context.Context, runID int64) (map[string]int, error) {
	const q = `SELECT kind, count(*) FROM recon_findings WHERE run_id = $1 GROUP BY kind`
	return countBy(ctx, s, q, runID)
}

// HealCount is how many of a run's findings would be healed or expired.
func (s *Store) HealCount(ctx context.Context, runID int64) (int, error) {
	const q = `SELECT count(*) FROM recon_findings WHERE run_id = $1 AND action IN ('heal', 'expire')`
	var n int
	if err := s.db.GetContext(ctx, &n, q, runID); err != nil {
		return 0, fmt.Errorf("heal count: %w", mapErr(err))
	}
	return n, nil
}

func countBy(ctx context.Context, s *Store, q string, args ...any) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("count: %w", mapErr(err))
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("scan count: %w", err)
		}
		out[k] = n
	}
	return out, mapErr(rows.Err())
}

// MismatchChanges counts what applying a run's findings changed (or, in a
// dry run, would change).
type MismatchChanges struct {
	Opened, Updated, Resolved int
}

// mismatchSteps are ApplyFindings' three statements, each with the query
// that counts what it would change: updated first, so a mismatch opened by
// this run is not also counted as seen again.
var mismatchSteps = []struct{ write, count string }{
	{updateSeen, countSeen},
	{openNew, countNew},
	{resolveGone, countGone},
}

func (c *MismatchChanges) field(i int) *int {
	return [...]*int{&c.Updated, &c.Opened, &c.Resolved}[i]
}

// ApplyFindings opens a mismatch for each queued finding that has none
// open, updates the open ones seen again (last seen, evidence), and
// auto-resolves open mismatches whose subject the window covered but the
// run no longer found, in one transaction.
func (s *Store) ApplyFindings(ctx context.Context, w DiffWindow) (MismatchChanges, error) {
	var c MismatchChanges
	err := s.InTx(ctx, func(tx *Tx) error {
		for i, st := range mismatchSteps {
			q, args := bindWindow(st.write, w)
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("apply findings: %w", mapErr(err))
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			*c.field(i) = int(n)
		}
		return nil
	})
	return c, err
}

// CountMismatchChanges says what ApplyFindings would change, changing
// nothing: a dry run's preview.
func (s *Store) CountMismatchChanges(ctx context.Context, w DiffWindow) (MismatchChanges, error) {
	var c MismatchChanges
	for i, st := range mismatchSteps {
		q, args := bindWindow(st.count, w)
		if err := s.db.GetContext(ctx, c.field(i), q, args...); err != nil {
			return c, fmt.Errorf("count findings: %w", mapErr(err))
		}
	}
	return c, nil
}

const updateSeen = `
	UPDATE mismatches m SET last_seen_run = f.run_id, last_seen_at = now(), evidence = f.evidence,
		order_id = COALESCE(f.order_id, m.order_id), email = COALESCE(f.email, m.email),
		amount = f.amount, currency = f.currency, evidence_due_by = f.evidence_due_by, updated_at = now()
	FROM recon_findings f
	WHERE f.run_id = {run} AND f.action = 'queue' AND m.status = 'open' AND m.kind = f.kind AND m.subject = f.subject`

const countSeen = `
	SELECT count(*) FROM recon_findings f JOIN mismatches m ON m.status = 'open' AND m.kind = f.kind AND m.subject = f.subject
	WHERE f.run_id = {run} AND f.action = 'queue'`

var openNew = `
	INSERT INTO mismatches (kind, subject, subject_at, order_id, email, payment_intent_id, charge_id,
		checkout_session_id, dispute_id, amount, currency, expected_amount, expected_currency, evidence,
		urgent, evidence_due_by, detected_by_run, last_seen_run)
	SELECT f.kind, f.subject, f.subject_at, f.order_id, f.email, f.payment_intent_id, f.charge_id,
		f.checkout_session_id, f.dispute_id, f.amount, f.currency, f.expected_amount, f.expected_currency,
		f.evidence, f.urgent, f.evidence_due_by, f.run_id, f.run_id
	FROM recon_findings f
	WHERE f.run_id = {run} AND f.action = 'queue' AND NOT EXISTS (` + settledByPerson + `)
	ON CONFLICT (kind, subject) WHERE status = 'open' DO NOTHING`

var countNew = `
	SELECT count(*) FROM recon_findings f
	WHERE f.run_id = {run} AND f.action = 'queue' AND NOT EXISTS (` + settledByPerson + `)`

// settledByPerson matches a finding that already has an open mismatch, or
// one a person resolved or dismissed: staff's decision stands, and the
// next sweep does not put the same subject back in the queue.
const settledByPerson = `SELECT 1 FROM mismatches m WHERE m.kind = f.kind AND m.subject = f.subject
	AND m.status IN ('open', 'resolved', 'dismissed')`

// gone is an open mismatch whose subject the run's window covered and that
// the run did not find again; a subject older than the window is left open.
const gone = `m.status = 'open' AND m.subject_at BETWEEN {from} AND {to}
	AND NOT EXISTS (SELECT 1 FROM recon_findings f WHERE f.run_id = {run} AND f.action = 'queue'
		AND f.kind = m.kind AND f.subject = m.subject)`

var resolveGone = `
	UPDATE mismatches m SET status = 'auto_resolved', resolved_at = now(), updated_at = now(),
		resolution = 'no longer found by sweep run ' || CAST({run} AS text)
	WHERE ` + gone

var countGone = `SELECT count(*) FROM mismatches m WHERE ` + gone

// OpenMismatchCounts counts open mismatches by kind, for the metrics.
func (s *Store) OpenMismatchCounts(ctx context.Context) (map[string]int, error) {
	const q = `SELECT kind, count(*) FROM mismatches WHERE status = 'open' GROUP BY kind`
	return countBy(ctx, s, q)
}

// MarkInterruptedRuns marks sweeps other than current that never finished
// (their process died) as failed, so the dead man's switch and the console
// see them.
func (s *Store) MarkInterruptedRuns(ctx context.Context, current int64) error {
	const q = `
		UPDATE recon_runs SET error = 'interrupted: the process stopped before the run finished', finished_at = now()
		WHERE kind = 'sweep' AND finished_at IS NULL AND id <> $1 AND started_at < $2`
	if _, err := s.db.ExecContext(ctx, q, current, time.Now().UTC()); err != nil {
		return fmt.Errorf("mark interrupted runs: %w", mapErr(err))
	}
	return nil
}
