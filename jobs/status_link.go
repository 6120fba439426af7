package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/apperr"
)

// StatusLinkArgs asks for the status_link email of every purchase of one
// address (DESIGN section 7, /status by email). POST /status inserts one
// for every address typed, bought or not; the job decides whether anything
// is sent, so the page does the same work for every address.
type StatusLinkArgs struct {
	Email string `json:"email"`
}

// Kind names the job in river_job.
func (StatusLinkArgs) Kind() string { return "status_link" }

// InsertOpts allows a few attempts: the job only reads orders and queues
// one email (whose own delivery job retries on its own).
func (StatusLinkArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// StatusLinkWorker looks the address up and queues the email, or nothing.
type StatusLinkWorker struct {
	river.WorkerDefaults[StatusLinkArgs]
	// Links is set once the billing service exists (it needs the River
	// client this worker is registered on).
	Links interface {
		EmailStatusLinks(ctx context.Context, email, key string) (bool, error)
	}
}

// Work queues the email under a key made of the job's id, so a retried job
// queues it once. An address the outbox refuses is not retried.
func (w *StatusLinkWorker) Work(ctx context.Context, job *river.Job[StatusLinkArgs]) error {
	_, err := w.Links.EmailStatusLinks(ctx, job.Args.Email, fmt.Sprintf("job:%d", job.ID))
	if apperr.Is(err, apperr.Invalid) {
		return river.JobCancel(err)
	}
	return err
}

// StatusLinks inserts StatusLinkArgs jobs.
type StatusLinks struct {
	client *Client
}

// NewStatusLinks returns a StatusLinks on client.
func NewStatusLinks(client *Client) *StatusLinks { return &StatusLinks{client: client} }

// RequestStatusLinks inserts the job for email, whatever the address.
func (s *StatusLinks) RequestStatusLinks(ctx context.Context, email string) error {
	if _, err := s.client.Insert(ctx, StatusLinkArgs{Email: email}, nil); err != nil {
		return fmt.Errorf("enqueue status links: %w", err)
	}
	return nil
}
