package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StagedObject is one processor object a sweep listed, flattened to what
// the diff reads. Object is session, payment_intent, charge, refund or
// dispute; empty strings are stored as NULL.
type StagedObject struct {
	Object          string
	ID              string
	Status          string
	PaymentIntentID string
	ChargeID        string
	Amount          int64
	AmountRefunded  int64
	Currency        string
	Email           string
	OrderRef        string
	PublicRef       string
	Plan            string
	Paid            bool
	Refunded        bool
	Disputed        bool
	Reason          string
	DueBy           time.Time
	Created         time.Time
}

const stageColumns = 19

// StageObjects inserts one batch of listed objects for a run in a single
// multi-row statement. An object listed twice (a page boundary moving under
// a concurrent write) is kept once.
func (s *Store) StageObjects(ctx context.Context, runID int64, objs []StagedObject) error {
	if len(objs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO recon_objects (run_id, object, id, status, payment_intent_id, charge_id,
		amount, amount_refunded, currency, email, order_ref, public_ref, plan, paid, refunded,
		disputed, reason, due_by, created) VALUES `)
	args := make([]any, 0, len(objs)*stageColumns)
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range stageColumns {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i*stageColumns + c + 1))
		}
		b.WriteByte(')')
		args = append(args, runID, o.Object, o.ID, o.Status, nonEmpty(o.PaymentIntentID), nonEmpty(o.ChargeID),
			o.Amount, o.AmountRefunded, o.Currency, nonEmpty(o.Email), nonEmpty(o.OrderRef), nonEmpty(o.PublicRef),
			nonEmpty(o.Plan), o.Paid, o.Refunded, o.Disputed, nonEmpty(o.Reason), nullTime(o.DueBy), o.Created.UTC())
	}
	b.WriteString(` ON CONFLICT DO NOTHING`)
	if _, err := s.db.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("stage %d objects: %w", len(objs), mapErr(err))
	}
	return nil
}

// DropAllStaging deletes every run's staging rows, once a run is done.
func (s *Store) DropAllStaging(ctx context.Context) error { return s.DropStagingExcept(ctx, 0) }

// DropStagingExcept deletes the staging rows of every run but keep: a run
// killed mid-way leaves its rows behind, and the next one sweeps them.
func (s *Store) DropStagingExcept(ctx context.Context, keep int64) error {
	for _, table := range []string{"recon_objects", "recon_payments", "recon_findings"} {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE run_id <> $1`, keep); err != nil {
			return fmt.Errorf("drop staging %s: %w", table, mapErr(err))
		}
	}
	return nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
