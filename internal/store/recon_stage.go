package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StagedObject is one processor object a sweep listed, flattened to what
// the diff reads. Object is session, payment_intent, charge, refund or
// dispute; empty strings are stored as NULL. A payment intent listed beside
// its latest charge carries that charge in Charge, and the two are one row
// (the charge_* columns); a charge staged on its own row has none.
type StagedObject struct {
	Charge          *StagedCharge
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

// stagedColumns are the columns StageObjects copies, one line per object.
// The times go in as integer microseconds since the epoch (see
// migrations/00020).
const stagedColumns = `(run_id, object, id, status, payment_intent_id, charge_id, amount,
	amount_refunded, currency, email, order_ref, public_ref, plan, paid, refunded, disputed, reason, due_by_us, created_us,
	charge_status, charge_email, charge_amount_refunded, charge_refunded, charge_disputed, charge_created_us)`

// stagedPartitions are recon_objects' partitions, by object. A batch of
// one kind of object is copied straight into its partition: routing each
// row through the parent costs a fifth of the COPY.
var stagedPartitions = map[string]string{
	"session": "recon_sessions", "payment_intent": "recon_payment_intents", "charge": "recon_charges",
	"refund": "recon_refunds", "dispute": "recon_disputes",
}

// copyStaged is the COPY that StageObjects feeds for objs: into the
// partition of their kind when they are all of one kind, else into
// recon_objects, which routes each row.
func copyStaged(objs []StagedObject) string {
	table, ok := stagedPartitions[objs[0].Object]
	for i := range objs {
		if objs[i].Object != objs[0].Object {
			ok = false
			break
		}
	}
	if !ok {
		table = "recon_objects"
	}
	return "COPY " + table + " " + stagedColumns + " FROM STDIN"
}

// StageObjects copies one batch of listed objects for a run into staging,
// in one transaction: COPY into tables with no index, so a window of a
// million payments stages in seconds. The staging keeps no key; the sweep
// lists each object once and drops one a page boundary repeats.
func (s *Store) StageObjects(ctx context.Context, runID int64, objs []StagedObject) error {
	if len(objs) == 0 {
		return nil
	}
	err := s.copyIn(ctx, copyStaged(objs), len(objs), func(l copyLine, i int) copyLine {
		o := &objs[i]
		return l.int(runID).text(o.Object).text(o.ID).text(o.Status).null(o.PaymentIntentID).null(o.ChargeID).
			int(o.Amount).int(o.AmountRefunded).text(o.Currency).null(o.Email).null(o.OrderRef).null(o.PublicRef).
			null(o.Plan).bool(o.Paid).bool(o.Refunded).bool(o.Disputed).null(o.Reason).micros(o.DueBy).micros(o.Created).
			charge(o.Charge)
	})
	if err != nil {
		return fmt.Errorf("stage %d objects: %w", len(objs), mapErr(err))
	}
	return nil
}

// StagedCharge is what the diff reads of a charge staged on its payment
// intent's row.
type StagedCharge struct {
	Status         string
	Email          string
	AmountRefunded int64
	Refunded       bool
	Disputed       bool
	Created        time.Time
}

// charge appends the charge_* columns: those of c, or NULLs.
func (l copyLine) charge(c *StagedCharge) copyLine {
	if c == nil {
		return append(l, noCharge...)
	}
	return l.text(c.Status).null(c.Email).int(c.AmountRefunded).bool(c.Refunded).bool(c.Disputed).micros(c.Created)
}

var noCharge = strings.Repeat(`\N`+"\t", 6)

// DropAllStaging empties the staging of every run. The sweep calls it when
// a run starts (a run killed mid-way leaves its rows behind) and when it
// ends; the sweep lock means no other run is using the rows. TRUNCATE,
// because deleting a million-payment window row by row takes seconds.
func (s *Store) DropAllStaging(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `TRUNCATE recon_objects, recon_payments, recon_findings, recon_invoices, recon_subscriptions`); err != nil {
		return fmt.Errorf("drop staging: %w", mapErr(err))
	}
	return nil
}
