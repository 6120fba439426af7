package mail

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// ActionResent is the audit action of a staff member's Resend.
const ActionResent = "email.resent"

// EmailTarget is the audit target of an action on email id.
func EmailTarget(id int64) string { return "email:" + strconv.FormatInt(id, 10) }

// resendNonce is the form's one-time token: a click sent twice (a double
// click, a reloaded POST) carries the same one and queues one copy.
var resendNonce = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Resend is a staff member's Resend of a stored email.
type Resend struct {
	EmailID int64
	Nonce   string // from the form the button was on
	Actor   string
}

// Resent is what a Resend did.
type Resent struct {
	Original store.EmailMessage
	CopyID   int64
}

// Resend queues a copy of the email, exactly as it was rendered (the same
// template version, subject and bodies, to the same address), as a new
// email of its own: a new Message-ID and the dedupe key
// "resend:<id>:<nonce>", its delivery enqueued and the audit row written
// in the same transaction. Errors: NotFound for an unknown email, Invalid
// for a test send or a form without its token, Conflict when this form's
// resend was already done.
func (o *Outbox) Resend(ctx context.Context, r Resend) (Resent, error) {
	if !resendNonce.MatchString(r.Nonce) {
		return Resent{}, apperr.New(apperr.Invalid, "This form has expired. Reload the page and press Resend again.")
	}
	var out Resent
	err := o.st.InTx(ctx, func(tx *store.Tx) error {
		orig, err := tx.EmailMessageForResend(ctx, r.EmailID)
		if err != nil {
			return err
		}
		if orig.Test {
			return apperr.New(apperr.Invalid, "A test send from the template editor is not resent; send a new test instead.")
		}
		id, inserted, err := tx.InsertEmailMessage(ctx, store.EmailMessage{
			Template: orig.Template, TemplateVersion: orig.TemplateVersion, To: orig.To,
			Subject: orig.Subject, HTMLBody: orig.HTMLBody, TextBody: orig.TextBody, OrderID: orig.OrderID,
			DedupeKey: fmt.Sprintf("resend:%d:%s", orig.ID, r.Nonce), MessageID: newMessageID(o.domain),
		})
		if err != nil {
			return err
		}
		if !inserted {
			return apperr.New(apperr.Conflict, "This email was already resent from this page; one copy is on its way. Reload the page to resend it again.")
		}
		if err := o.enq.EnqueueEmailTx(ctx, tx.SQL(), id); err != nil {
			return fmt.Errorf("enqueue email %d: %w", id, err)
		}
		out = Resent{Original: orig, CopyID: id}
		return tx.AppendAudit(ctx, staff.AuditEntry{Actor: r.Actor, Action: ActionResent, Target: EmailTarget(orig.ID),
			Details: map[string]string{"to": orig.To, "template": orig.Template, "copy": strconv.FormatInt(id, 10)}})
	})
	return out, err
}
