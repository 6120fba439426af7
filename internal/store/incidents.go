package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// Incident is one stored incident: its window, who planned and ran it, and
// where its run stands.
type Incident struct {
	ID          int64      `db:"id"`
	WindowFrom  time.Time  `db:"window_from"`
	WindowTo    time.Time  `db:"window_to"`
	PlannedBy   string     `db:"planned_by"`
	PlannedAt   time.Time  `db:"planned_at"`
	APICalls    int        `db:"api_calls"`
	ObjectsSeen int        `db:"objects_seen"`
	Status      string     `db:"status"`
	NoApology   bool       `db:"no_apology"`
	RunBy       *string    `db:"run_by"`
	RunAt       *time.Time `db:"run_at"`
	FinishedAt  *time.Time `db:"finished_at"`
	Apologies   int        `db:"apologies"`
}

const incidentColumns = `id, window_from, window_to, planned_by, planned_at, api_calls, objects_seen, status,
	no_apology, run_by, run_at, finished_at, apologies`

// Incident reads one incident; NotFound when there is none.
func (s *Store) Incident(ctx context.Context, id int64) (Incident, error) {
	var in Incident
	err := s.db.GetContext(ctx, &in, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return in, apperr.New(apperr.NotFound, "no such incident")
	}
	if err != nil {
		return in, fmt.Errorf("incident %d: %w", id, mapErr(err))
	}
	return in, nil
}

// RecentIncidents lists the newest incidents first.
func (s *Store) RecentIncidents(ctx context.Context, limit int) ([]Incident, error) {
	var list []Incident
	err := s.db.SelectContext(ctx, &list, `SELECT `+incidentColumns+` FROM incidents ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("recent incidents: %w", mapErr(err))
	}
	return list, nil
}

// ActionCount is one planned action's payments: how many, their amount in
// minor units, and how many the run has finished with.
type ActionCount struct {
	Count  int   `db:"count" json:"count"`
	Amount int64 `db:"amount" json:"amount"`
	Done   int   `db:"done" json:"done"`
}

// IncidentActions counts an incident's payments by planned action, every
// action present (zero when none).
func (s *Store) IncidentActions(ctx context.Context, id int64) (map[string]ActionCount, error) {
	var rows []struct {
		Action string `db:"action"`
		ActionCount
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT action, count(*) AS count, COALESCE(sum(amount), 0) AS amount,
			count(*) FILTER (WHERE outcome IS NOT NULL) AS done
		FROM incident_payments WHERE incident_id = $1 GROUP BY action`, id)
	if err != nil {
		return nil, fmt.Errorf("incident %d actions: %w", id, mapErr(err))
	}
	out := map[string]ActionCount{}
	for _, a := range IncidentActionNames {
		out[a] = ActionCount{}
	}
	for _, r := range rows {
		out[r.Action] = r.ActionCount
	}
	return out, nil
}

// The planned actions, in the order pages show them.
const (
	ActionProvision    = "provision"
	ActionEmailOnly    = "email_only"
	ActionRefundReview = "refund_review"
	ActionNothing      = "nothing"
)

// IncidentActionNames lists every planned action.
var IncidentActionNames = []string{ActionProvision, ActionEmailOnly, ActionRefundReview, ActionNothing}

// IncidentPayment is one payment of an incident's plan and its outcome.
type IncidentPayment struct {
	PaymentIntentID string     `db:"payment_intent_id"`
	ChargeID        *string    `db:"charge_id"`
	SessionID       *string    `db:"session_id"`
	Email           *string    `db:"email"`
	Amount          int64      `db:"amount"`
	Currency        string     `db:"currency"`
	PublicRef       *string    `db:"public_ref"`
	OrderRef        *string    `db:"order_ref"`
	PlanCode        *string    `db:"plan_code"`
	OrderID         *int64     `db:"order_id"`
	Created         time.Time  `db:"created"`
	Paid            bool       `db:"paid"`
	Served          bool       `db:"served"`
	Emailed         bool       `db:"emailed"`
	Refunded        bool       `db:"refunded"`
	Disputed        bool       `db:"disputed"`
	Action          string     `db:"action"`
	Outcome         *string    `db:"outcome"`
	DoneAt          *time.Time `db:"done_at"`
}

const incidentPaymentColumns = `payment_intent_id, charge_id, session_id, email, amount, currency, public_ref,
	order_ref, plan_code, order_id, created, paid, served, emailed, refunded, disputed, action, outcome, done_at`

// IncidentPayments lists an incident's payments by creation, keyset-paged
// after the payment intent id after ("" for the first page).
func (s *Store) IncidentPayments(ctx context.Context, id int64, after string, limit int) ([]IncidentPayment, error) {
	var list []IncidentPayment
	err := s.db.SelectContext(ctx, &list, `SELECT `+incidentPaymentColumns+` FROM incident_payments
		WHERE incident_id = $1 AND payment_intent_id > $2 ORDER BY payment_intent_id LIMIT $3`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("incident %d payments: %w", id, mapErr(err))
	}
	return list, nil
}

// IncidentPaymentFor reads one payment of an incident; NotFound when the
// plan has none by that id.
func (s *Store) IncidentPaymentFor(ctx context.Context, id int64, paymentIntentID string) (IncidentPayment, error) {
	var p IncidentPayment
	err := s.db.GetContext(ctx, &p, `SELECT `+incidentPaymentColumns+` FROM incident_payments
		WHERE incident_id = $1 AND payment_intent_id = $2`, id, paymentIntentID)
	if errors.Is(err, sql.ErrNoRows) {
		return p, apperr.New(apperr.NotFound, "no such payment in the incident")
	}
	if err != nil {
		return p, fmt.Errorf("incident %d payment %s: %w", id, paymentIntentID, mapErr(err))
	}
	return p, nil
}
