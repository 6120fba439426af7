package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/incident"
)

// IncidentPaymentArgs asks for an incident's planned action on one payment.
// The work is idempotent (the outcome is recorded once, through Fulfill's
// own lock), so River's at-least-once delivery is safe.
type IncidentPaymentArgs struct {
	IncidentID      int64  `json:"incident_id"`
	PaymentIntentID string `json:"payment_intent_id"`
}

// Kind names the job in river_job.
func (IncidentPaymentArgs) Kind() string { return "incident_payment" }

// IncidentFinishArgs asks for an incident's run to be closed, with its
// apologies, once every payment job is done.
type IncidentFinishArgs struct {
	IncidentID int64 `json:"incident_id"`
}

// Kind names the job in river_job.
func (IncidentFinishArgs) Kind() string { return "incident_finish" }

// InsertOpts lets the finishing job wait for the payment jobs as long as a
// large run takes: each wait is a snooze, which River counts as an attempt.
func (IncidentFinishArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 100000} }

// EnqueueIncidentTx inserts one payment job per payment and the finishing
// job, inside the transaction that starts the run.
func (e *Enqueuer) EnqueueIncidentTx(ctx context.Context, tx *sql.Tx, id int64, paymentIntentIDs []string) error {
	params := make([]river.InsertManyParams, 0, len(paymentIntentIDs)+1)
	for _, pi := range paymentIntentIDs {
		params = append(params, river.InsertManyParams{Args: IncidentPaymentArgs{IncidentID: id, PaymentIntentID: pi}})
	}
	params = append(params, river.InsertManyParams{Args: IncidentFinishArgs{IncidentID: id}})
	if _, err := e.client.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue incident %d: %w", id, err)
	}
	return nil
}

// IncidentPaymentWorker acts on one payment of a run.
type IncidentPaymentWorker struct {
	river.WorkerDefaults[IncidentPaymentArgs]
	Incidents *incident.Service
}

// Work does the planned action, once.
func (w *IncidentPaymentWorker) Work(ctx context.Context, job *river.Job[IncidentPaymentArgs]) error {
	return w.Incidents.ActOn(ctx, job.Args.IncidentID, job.Args.PaymentIntentID)
}

// IncidentFinishWorker closes a run and sends its apologies.
type IncidentFinishWorker struct {
	river.WorkerDefaults[IncidentFinishArgs]
	Incidents *incident.Service
}

// finishWait is how long the finishing job waits between looks.
const finishWait = 500 * time.Millisecond

// Timeout covers queueing the apologies of a large incident in one
// transaction.
func (w *IncidentFinishWorker) Timeout(*river.Job[IncidentFinishArgs]) time.Duration {
	return 5 * time.Minute
}

// Work finishes the run, or waits while payment jobs remain.
func (w *IncidentFinishWorker) Work(ctx context.Context, job *river.Job[IncidentFinishArgs]) error {
	err := w.Incidents.Finish(ctx, job.Args.IncidentID)
	if errors.Is(err, incident.ErrNotFinished) {
		return river.JobSnooze(finishWait)
	}
	return err
}
