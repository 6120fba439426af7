package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/backstophq/backstop/internal/staff"
)

// IncidentWindow is the stretch an incident covers, and the staging run id
// its listed objects are staged under: the incident's id, negated, so that
// it never meets a sweep's run id in the shared staging tables.
type IncidentWindow struct {
	ID   int64
	From time.Time
	To   time.Time
}

// StagingRun is the staging run id of the incident's listing.
func (w IncidentWindow) StagingRun() int64 { return -w.ID }

// CreateIncident records a new incident for [from, to], planned by actor,
// and returns its id. The table refuses a window longer than 3 days.
func (s *Store) CreateIncident(ctx context.Context, from, to time.Time, actor string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO incidents (window_from, window_to, planned_by)
		VALUES ($1, $2, $3) RETURNING id`, from.UTC(), to.UTC(), auditText(actor)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create incident: %w", mapErr(err))
	}
	return id, nil
}

// PlanIncident classifies the incident's staged objects against our orders,
// grants and emails with set-based SQL, writes one incident_payments row per
// succeeded payment intent, records the listing's counts, and empties the
// staging it used, with the audit entry a in the same transaction. It reuses the sweep's payment building and order links,
// so a payment belongs to the same order here as there. Every payment of
// the window counts as settled: an incident has no grace period.
func (s *Store) PlanIncident(ctx context.Context, w IncidentWindow, apiCalls, objectsSeen int, a staff.AuditEntry) error {
	dw := DiffWindow{RunID: w.StagingRun(), From: w.From, To: w.To, Cutoff: w.To}
	return s.InTx(ctx, func(tx *Tx) error {
		for _, step := range incidentSteps() {
			q, args := bindWindow(step.sql, dw)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("plan incident %d: %s: %w", w.ID, step.name, mapErr(err))
			}
		}
		if _, err := tx.ExecContext(ctx, classifyIncident, w.ID, dw.RunID); err != nil {
			return fmt.Errorf("plan incident %d: classify: %w", w.ID, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET api_calls = $2, objects_seen = $3 WHERE id = $1`,
			w.ID, apiCalls, objectsSeen); err != nil {
			return fmt.Errorf("plan incident %d: counts: %w", w.ID, mapErr(err))
		}
		for _, table := range []string{"recon_objects", "recon_payments"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE run_id = $1`, dw.RunID); err != nil {
				return fmt.Errorf("plan incident %d: drop staging: %w", w.ID, mapErr(err))
			}
		}
		return appendAudit(ctx, tx, a)
	})
}

// incidentSteps are the sweep's classify steps up to the plan a payment
// bought: the payments, their orders, their plans. The findings that follow
// them in a sweep are the sweep's business.
func incidentSteps() []sqlStep {
	steps := append(slices.Clip(classifySettings), analyzeObjects, paymentsStep)
	return append(steps, linkSteps...)
}

// classifyIncident writes the plan: for each succeeded payment, paid (the
// money stayed: not refunded, not disputed), served (its order was
// fulfilled), emailed (an access email to its order was not refused), and
// the action:
//
//   - nothing: refunded, or served and emailed;
//   - email_only: served but never told;
//   - provision: paid, not served, with an email and a plan whose price it
//     paid exactly, and not held for a person;
//   - refund_review: anything else a person must look at (disputed, held,
//     no email, no plan, a different amount).
const classifyIncident = `
	INSERT INTO incident_payments (incident_id, payment_intent_id, charge_id, session_id, email, amount, currency,
		public_ref, order_ref, plan_code, order_id, created, paid, served, emailed, refunded, disputed, action)
	SELECT $1, p.payment_intent_id, p.charge_id, p.session_id, COALESCE(p.email, o.email), p.amount, p.currency,
		p.public_ref, p.order_ref, p.plan_code, p.order_id, p.created, f.paid, f.served, f.emailed,
		p.refunded, p.disputed,
		CASE
			WHEN p.refunded THEN 'nothing'
			WHEN f.served AND f.emailed THEN 'nothing'
			WHEN f.served THEN 'email_only'
			WHEN f.paid AND COALESCE(p.email, o.email) IS NOT NULL AND COALESCE(o.status, 'pending') <> 'paid'
				AND pl.code IS NOT NULL AND p.amount = pl.amount AND p.currency = pl.currency THEN 'provision'
			ELSE 'refund_review'
		END
	FROM recon_payments p
	LEFT JOIN orders o ON o.id = p.order_id
	LEFT JOIN plans pl ON pl.code = p.plan_code
	CROSS JOIN LATERAL (SELECT NOT p.refunded AND NOT p.disputed AS paid,
		COALESCE(o.fulfilled_at IS NOT NULL, false) AS served,
		EXISTS (SELECT 1 FROM email_messages m WHERE m.order_id = o.id AND m.status <> 'failed'
			AND m.template IN ('order_confirmation', 'delayed_fulfillment', 'support_resolution', 'incident_apology')) AS emailed) f
	WHERE p.run_id = $2`
