package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// MailBacklog is the outbox's trouble: emails still to be sent whose last
// attempt failed.
type MailBacklog struct {
	Waiting   int        // queued emails with a failed attempt
	Oldest    *time.Time // when the oldest of them was queued
	LastError string     // the newest of their errors
}

// MailBacklog reads the outbox's trouble in one query. An email refused
// for good is failed, not waiting: a bad address is no outage.
func (s *Store) MailBacklog(ctx context.Context) (MailBacklog, error) {
	const q = `
		SELECT count(*), min(created_at),
			(SELECT last_error FROM email_messages WHERE status = 'queued' AND last_error IS NOT NULL
				ORDER BY id DESC LIMIT 1)
		FROM email_messages WHERE status = 'queued' AND last_error IS NOT NULL`
	var b MailBacklog
	var last sql.NullString
	if err := s.db.QueryRowContext(ctx, q).Scan(&b.Waiting, &b.Oldest, &last); err != nil {
		return MailBacklog{}, fmt.Errorf("mail backlog: %w", mapErr(err))
	}
	b.LastError = last.String
	return b, nil
}
