package store

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
)

// EmailListFilter selects the console's emails page; a zero field matches
// everything. After is the keyset cursor: the id of the last email of the
// previous page (the list is newest first).
type EmailListFilter struct {
	To       string // the recipient, any case
	Template string
	Status   string // queued, sent or failed
	After    int64
}

// ListEmails returns up to limit emails to customers that match f, newest
// first, and whether there are more. Test sends are left out.
func (s *Store) ListEmails(ctx context.Context, f EmailListFilter, limit int) ([]EmailMessage, bool, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages
		WHERE NOT test AND ($1 = '' OR lower(to_email) = lower($1)) AND ($2 = '' OR template = $2)
		  AND ($3 = '' OR status = $3) AND (CAST($4 AS BIGINT) = 0 OR id < $4)
		ORDER BY id DESC LIMIT $5`
	out := []EmailMessage{}
	if err := s.db.SelectContext(ctx, &out, sel, f.To, f.Template, f.Status, f.After, limit+1); err != nil {
		return nil, false, fmt.Errorf("list emails: %w", mapErr(err))
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// EmailMessageForResend reads one email in the transaction, or an apperr
// NotFound that says so.
func (t *Tx) EmailMessageForResend(ctx context.Context, id int64) (EmailMessage, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages WHERE id = $1`
	var m EmailMessage
	if err := t.GetContext(ctx, &m, sel, id); err != nil {
		err = mapErr(err)
		if apperr.Is(err, apperr.NotFound) {
			return EmailMessage{}, apperr.Wrap(apperr.NotFound, fmt.Sprintf("There is no email #%d.", id), err)
		}
		return EmailMessage{}, fmt.Errorf("email %d: %w", id, err)
	}
	return m, nil
}
