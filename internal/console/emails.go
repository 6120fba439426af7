package console

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// EmailPage is one page of the console's emails, newest first.
type EmailPage struct {
	Filter store.EmailListFilter
	Rows   []store.EmailMessage
	Next   string // the "after" of the next page, "" on the last
}

// emailPageSize is how many emails one page lists.
const emailPageSize = 50

// emailStatuses are the statuses the filter takes.
var emailStatuses = []string{"", "queued", "sent", "failed"}

// ParseEmailFilter reads the emails page's query (to, template, status,
// after). Errors: Invalid, in words, for a status or cursor we do not know.
func ParseEmailFilter(get func(string) string) (store.EmailListFilter, error) {
	f := store.EmailListFilter{To: strings.TrimSpace(get("to")), Template: strings.TrimSpace(get("template")),
		Status: get("status")}
	ok := false
	for _, s := range emailStatuses {
		ok = ok || s == f.Status
	}
	if !ok {
		return f, apperr.New(apperr.Invalid, "Pick a status from the list: queued, sent or failed.")
	}
	if a := get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			return f, apperr.New(apperr.Invalid, "That page link is broken. Go back to the first page.")
		}
		f.After = n
	}
	return f, nil
}

// Emails returns one page of the emails that match f.
func (s *Service) Emails(ctx context.Context, f store.EmailListFilter) (EmailPage, error) {
	rows, more, err := s.store.ListEmails(ctx, f, emailPageSize)
	if err != nil {
		return EmailPage{}, err
	}
	p := EmailPage{Filter: f, Rows: rows}
	if more {
		p.Next = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	return p, nil
}

// EmailMessage returns one email, or an apperr NotFound in words.
func (s *Service) EmailMessage(ctx context.Context, id int64) (store.EmailMessage, error) {
	m, err := s.store.EmailMessage(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return m, apperr.Wrap(apperr.NotFound, fmt.Sprintf("There is no email #%d. The link may be mistyped.", id), err)
	}
	return m, err
}
