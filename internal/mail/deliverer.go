package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// recordTimeout bounds the bookkeeping after a send. It runs on a context
// detached from the job's, so a job cancelled right after the server
// accepted still records the success and does not send again.
const recordTimeout = 10 * time.Second

// maxErrorLen caps a stored last_error; SMTP replies can be long.
const maxErrorLen = 1000

// Deliverer sends one stored email, for the send_email job.
type Deliverer struct {
	st     *store.Store
	sender Sender
	from   string
	faults *fault.Points
	logger *slog.Logger
}

// NewDeliverer returns a Deliverer that sends from the address from through
// sender. faults may be nil (every point disarmed).
func NewDeliverer(st *store.Store, s Sender, from string, faults *fault.Points, logger *slog.Logger) *Deliverer {
	return &Deliverer{st: st, sender: s, from: from, faults: faults, logger: logger}
}

// Deliver sends the email with id messageID once more, unless it was sent:
// a job retried after a success does nothing. The attempt is counted and
// committed before the send. A temporary failure is recorded in last_error
// and returned, so the job retries with backoff. A permanent one marks the
// email failed and returns an apperr Invalid; so does an email that already
// failed. A missing email is an apperr NotFound. Both mean: do not retry.
//
// The server may accept the email and the process die before it is marked
// sent (fault point email.after_send); the retry then sends it again with
// the same Message-ID. See the package documentation.
func (d *Deliverer) Deliver(ctx context.Context, messageID int64) error {
	m, err := d.st.EmailMessage(ctx, messageID)
	if err != nil {
		return err
	}
	switch m.Status {
	case store.EmailSent:
		return nil
	case store.EmailFailed:
		return apperr.Wrap(apperr.Invalid, "email failed permanently", errors.New(m.LastError))
	}
	attempt, err := d.st.MarkEmailAttempt(ctx, m.ID)
	if apperr.Is(err, apperr.Conflict) {
		return nil // sent or failed by a concurrent run since we read it
	}
	if err != nil {
		return err
	}
	log := d.logger.With("email_id", m.ID, "template", m.Template, "message_id", m.MessageID, "attempt", attempt)
	err = d.sender.Send(ctx, Outgoing{
		From: d.from, To: m.To, Subject: m.Subject, HTML: m.HTMLBody, Text: m.TextBody, MessageID: m.MessageID,
	})
	if err != nil {
		return d.failed(ctx, log, m.ID, err)
	}
	d.faults.Hit(fault.EmailAfterSend)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := d.st.MarkEmailSent(rctx, m.ID); err != nil {
		// The retry will send it again, with the same Message-ID.
		return fmt.Errorf("email %d accepted by the server but not marked sent: %w", m.ID, err)
	}
	log.Info("email sent")
	return nil
}

// failed records a failed attempt and returns the error the job acts on.
func (d *Deliverer) failed(ctx context.Context, log *slog.Logger, id int64, sendErr error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	reason := truncate(sendErr.Error(), maxErrorLen)
	if apperr.Is(sendErr, apperr.Invalid) {
		log.Warn("email failed permanently", "error", sendErr)
		if err := d.st.MarkEmailFailed(rctx, id, reason); err != nil {
			return errors.Join(sendErr, fmt.Errorf("mark email %d failed: %w", id, err))
		}
		return sendErr
	}
	log.Warn("email attempt failed; will retry", "error", sendErr)
	if err := d.st.RecordEmailError(rctx, id, reason); err != nil {
		log.Error("recording the email error failed", "error", err)
	}
	return fmt.Errorf("send email %d: %w", id, sendErr)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
