package mail

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// TestSend is a test send of what the editor previews.
type TestSend struct {
	Name    string
	Content Content // the editor's text, saved or not
	Case    string  // the sample case previewed; "" for the template's own
	To      string  // a staff address
	Actor   string
}

// TestSend renders the unsaved content for the case exactly as PreviewDraft
// does and queues it to a staff address, marked as a test: it has no
// version, a dedupe key "test:…" of its own, and is never counted as an
// email to a customer. The send is audited. Errors: Invalid when the
// content does not validate (Problems places why) or the address is not an
// active staff login's, so a test send can never be turned on a customer;
// NotFound for an unknown template.
func (e *Editor) TestSend(ctx context.Context, req TestSend) (Preview, error) {
	if !IsKnown(req.Name) {
		return Preview{}, apperr.New(apperr.NotFound, fmt.Sprintf("there is no template %q", req.Name))
	}
	p, err := PreviewDraft(req.Name, req.Content, req.Case)
	if err != nil {
		return Preview{}, err
	}
	if len(p.Problems) > 0 {
		return p, invalid(p.Problems)
	}
	u, err := e.st.StaffUserByEmail(ctx, req.To)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return Preview{}, err
	}
	if err != nil || u.DisabledAt != nil {
		return Preview{}, apperr.New(apperr.Invalid, "a test send goes to a staff address only")
	}
	err = e.st.InTx(ctx, func(tx *store.Tx) error {
		if err := e.outbox.queueTestTx(ctx, tx, req.Name, u.Email, p.Out); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, staff.AuditEntry{Actor: req.Actor, Action: ActionTestSent, Target: req.Name,
			Details: map[string]string{"case": p.Case.Key, "to": u.Email, "subject": p.Out.Subject}})
	})
	return p, err
}
