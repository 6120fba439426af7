package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/mail"
)

// SendEmailArgs asks for the delivery of one stored email (email_messages).
// The job carries only the id: the rendered email and its Message-ID were
// stored when it was queued, so every attempt sends the same message.
type SendEmailArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job in river_job.
func (SendEmailArgs) Kind() string { return "send_email" }

// InsertOpts allows 25 attempts: with the backoff below, about three hours
// of a failing SMTP server before the email is given up.
func (SendEmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 25} }

// Backoff bounds for NextRetry.
const (
	emailRetryBase = 2 * time.Second
	emailRetryMax  = 10 * time.Minute
)

// SendEmailWorker delivers queued emails. Delivery is at least once: see
// package mail for the one crash window that can send an email twice.
type SendEmailWorker struct {
	river.WorkerDefaults[SendEmailArgs]
	Deliverer *mail.Deliverer
}

// Work delivers the email. A permanent failure (the recipient refused, an
// invalid address, an email already failed or gone) cancels the job, since
// retrying cannot help; any other error is retried by River with NextRetry.
func (w *SendEmailWorker) Work(ctx context.Context, job *river.Job[SendEmailArgs]) error {
	err := w.Deliverer.Deliver(ctx, job.Args.MessageID)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.NotFound) {
		return river.JobCancel(err)
	}
	return err
}

// NextRetry waits 2 s after the first failed attempt and doubles each time,
// capped at 10 minutes: a short SMTP hiccup costs seconds, an outage is not
// hammered.
func (w *SendEmailWorker) NextRetry(job *river.Job[SendEmailArgs]) time.Time {
	return time.Now().Add(emailBackoff(job.Attempt))
}

// emailBackoff is the wait after the attempt-th failed attempt (1-based).
func emailBackoff(attempt int) time.Duration {
	d := emailRetryBase
	for i := 1; i < attempt && d < emailRetryMax; i++ {
		d *= 2
	}
	return min(d, emailRetryMax)
}
