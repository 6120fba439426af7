package store

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
)

// StartIncidentRun marks a planned incident running, by actor, and returns
// the payments the run acts on (provision and email_only). A second start
// of the same incident is a Conflict: its run exists already.
func (t *Tx) StartIncidentRun(ctx context.Context, id int64, actor string, noApology bool) ([]string, error) {
	res, err := t.ExecContext(ctx, `UPDATE incidents SET status = 'running', run_by = $2, run_at = now(), no_apology = $3
		WHERE id = $1 AND status = 'planned'`, id, auditText(actor), noApology)
	if err != nil {
		return nil, fmt.Errorf("start incident %d: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, apperr.New(apperr.Conflict, "this incident has already been run")
	}
	var pis []string
	err = t.SelectContext(ctx, &pis, `SELECT payment_intent_id FROM incident_payments
		WHERE incident_id = $1 AND action IN ('provision', 'email_only') ORDER BY payment_intent_id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident %d payments to act on: %w", id, mapErr(err))
	}
	return pis, nil
}

// RecordIncidentOutcome stores what the run did for one payment, once: it
// reports false when an earlier attempt of the job already recorded one.
func (t *Tx) RecordIncidentOutcome(ctx context.Context, id int64, paymentIntentID, outcome string) (bool, error) {
	res, err := t.ExecContext(ctx, `UPDATE incident_payments SET outcome = $3, done_at = now()
		WHERE incident_id = $1 AND payment_intent_id = $2 AND outcome IS NULL`, id, paymentIntentID, outcome)
	if err != nil {
		return false, fmt.Errorf("incident %d outcome of %s: %w", id, paymentIntentID, mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// IncidentPending counts the payments the run must still act on.
func (s *Store) IncidentPending(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM incident_payments
		WHERE incident_id = $1 AND outcome IS NULL AND action IN ('provision', 'email_only')`, id)
	if err != nil {
		return 0, fmt.Errorf("incident %d pending: %w", id, mapErr(err))
	}
	return n, nil
}

// ApologyTarget is one affected customer of an incident, with the payment
// the apology names (their earliest one) and what the run did about it.
type ApologyTarget struct {
	Email     string  `db:"email"`
	OrderID   *int64  `db:"order_id"`
	PublicRef *string `db:"public_ref"`
	Amount    int64   `db:"amount"`
	Currency  string  `db:"currency"`
	PlanCode  *string `db:"plan_code"`
	Outcome   string  `db:"outcome"`
}

// IncidentApologyTargets lists the customers the run served or served but
// had never told, one per address whatever their number of payments. Only
// they were affected: a payment already served and told, or left for a
// person, is nobody this apology is for.
func (s *Store) IncidentApologyTargets(ctx context.Context, id int64) ([]ApologyTarget, error) {
	var list []ApologyTarget
	err := s.db.SelectContext(ctx, &list, `SELECT DISTINCT ON (lower(p.email)) p.email, p.order_id,
			COALESCE(o.public_ref, p.public_ref) AS public_ref, p.amount, p.currency,
			COALESCE(o.plan_code, p.plan_code) AS plan_code, COALESCE(p.outcome, '') AS outcome
		FROM incident_payments p
		LEFT JOIN orders o ON o.id = p.order_id OR (p.order_id IS NULL AND o.payment_intent_id = p.payment_intent_id)
		WHERE p.incident_id = $1 AND p.outcome IN ('provisioned', 'told') AND p.email IS NOT NULL
		ORDER BY lower(p.email), p.created, p.payment_intent_id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident %d apology targets: %w", id, mapErr(err))
	}
	return list, nil
}

// FinishIncident closes a running or cancelled incident's run with the
// number of apologies it queued; false when it was already finished.
func (t *Tx) FinishIncident(ctx context.Context, id int64, apologies int) (bool, error) {
	res, err := t.ExecContext(ctx, `UPDATE incidents SET finished_at = now(), apologies = $2,
			status = CASE WHEN status = 'running' THEN 'done' ELSE status END
		WHERE id = $1 AND status IN ('running', 'cancelled') AND finished_at IS NULL`, id, apologies)
	if err != nil {
		return false, fmt.Errorf("finish incident %d: %w", id, mapErr(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CancelIncident stops a running incident: payments not yet acted on are
// left alone. Conflict when it is not running.
func (t *Tx) CancelIncident(ctx context.Context, id int64) error {
	res, err := t.ExecContext(ctx, `UPDATE incidents SET status = 'cancelled' WHERE id = $1 AND status = 'running'`, id)
	if err != nil {
		return fmt.Errorf("cancel incident %d: %w", id, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "this incident is not running")
	}
	return nil
}

// IncidentStatusTx reads the incident's status inside a transaction,
// locking the row so a cancel and an outcome never cross.
func (t *Tx) IncidentStatusTx(ctx context.Context, id int64) (string, error) {
	var status string
	if err := t.GetContext(ctx, &status, `SELECT status FROM incidents WHERE id = $1 FOR SHARE`, id); err != nil {
		return "", fmt.Errorf("incident %d status: %w", id, mapErr(err))
	}
	return status, nil
}
