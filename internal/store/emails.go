package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/backstophq/backstop/internal/apperr"
)

// The statuses of an email_messages row.
const (
	EmailQueued = "queued"
	EmailSent   = "sent"
	EmailFailed = "failed"
)

// EmailTemplate is one saved version of an editable email template.
// Version 0 is the shipped default as first seeded; the newest version is
// the live one.
type EmailTemplate struct {
	Name      string    `db:"name"`
	Version   int       `db:"version"`
	Subject   string    `db:"subject"`
	HTMLBody  string    `db:"html_body"`
	TextBody  string    `db:"text_body"`
	CreatedBy string    `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	// DefaultHash is the hash of the shipped default this version was
	// based on (mail.ContentHash).
	DefaultHash string `db:"default_hash"`
	// RevertedFrom is the version a revert copied, if this is one.
	RevertedFrom *int `db:"reverted_from"`
}

// EmailMessage is one logical email, however many attempts it takes: the
// rendered content as it was queued, and its delivery state.
type EmailMessage struct {
	ID       int64  `db:"id"`
	Template string `db:"template"`
	// TemplateVersion is the version the email was rendered from; nil for
	// a test send, which renders an unsaved draft.
	TemplateVersion *int       `db:"template_version"`
	Test            bool       `db:"test"` // a test send from the editor, to a staff address
	To              string     `db:"to_email"`
	Subject         string     `db:"subject"`
	HTMLBody        string     `db:"html_body"`
	TextBody        string     `db:"text_body"`
	OrderID         *int64     `db:"order_id"`
	DedupeKey       string     `db:"dedupe_key"`
	MessageID       string     `db:"message_id"`
	Status          string     `db:"status"`
	Attempts        int        `db:"attempts"`
	LastError       string     `db:"last_error"`
	CreatedAt       time.Time  `db:"created_at"`
	SentAt          *time.Time `db:"sent_at"`
}

// EmailFilter selects emails; a zero field matches everything.
type EmailFilter struct {
	To      string // the recipient, compared case-insensitively
	OrderID int64
}

const emailTemplateColumns = `name, version, subject, html_body, text_body, created_by, created_at,
	default_hash, reverted_from`

const emailMessageColumns = `
	id, template, template_version, test, to_email, subject, html_body, text_body, order_id,
	dedupe_key, message_id, status, attempts, COALESCE(last_error, '') AS last_error,
	created_at, sent_at`

// LatestTemplate returns the newest version of the named template, or an
// apperr NotFound when it has none.
func (s *Store) LatestTemplate(ctx context.Context, name string) (EmailTemplate, error) {
	return latestTemplate(ctx, s.db, name)
}

// LatestTemplate is Store.LatestTemplate inside the transaction, so an email
// is rendered from the version the transaction sees.
func (t *Tx) LatestTemplate(ctx context.Context, name string) (EmailTemplate, error) {
	return latestTemplate(ctx, t, name)
}

func latestTemplate(ctx context.Context, q sqlx.QueryerContext, name string) (EmailTemplate, error) {
	const sel = `SELECT ` + emailTemplateColumns + ` FROM email_templates
		WHERE name = $1 ORDER BY version DESC LIMIT 1`
	var t EmailTemplate
	if err := sqlx.GetContext(ctx, q, &t, sel, name); err != nil {
		return EmailTemplate{}, fmt.Errorf("latest template %s: %w", name, mapErr(err))
	}
	return t, nil
}

// TemplateVersion returns one version of a template, or an apperr NotFound.
func (s *Store) TemplateVersion(ctx context.Context, name string, version int) (EmailTemplate, error) {
	const sel = `SELECT ` + emailTemplateColumns + ` FROM email_templates WHERE name = $1 AND version = $2`
	var t EmailTemplate
	if err := s.db.GetContext(ctx, &t, sel, name, version); err != nil {
		return EmailTemplate{}, fmt.Errorf("template %s v%d: %w", name, version, mapErr(err))
	}
	return t, nil
}

// TemplateVersions returns every version of a template, newest first; an
// unknown name gives an empty list.
func (s *Store) TemplateVersions(ctx context.Context, name string) ([]EmailTemplate, error) {
	const sel = `SELECT ` + emailTemplateColumns + ` FROM email_templates WHERE name = $1 ORDER BY version DESC`
	out := []EmailTemplate{}
	if err := s.db.SelectContext(ctx, &out, sel, name); err != nil {
		return nil, fmt.Errorf("template versions %s: %w", name, mapErr(err))
	}
	return out, nil
}

// InsertTemplateVersion saves t as the next version of its template (1 for
// the first after the default) and returns it as stored; t.Version and
// t.CreatedAt are ignored. Two saves racing for the same version give one
// apperr Conflict, so an edit is never silently lost.
func (s *Store) InsertTemplateVersion(ctx context.Context, t EmailTemplate) (EmailTemplate, error) {
	return insertTemplateVersion(ctx, s.db, t)
}

// InsertTemplateVersion is Store.InsertTemplateVersion in the transaction,
// for a publish or a revert that checks the live version under its lock.
func (t *Tx) InsertTemplateVersion(ctx context.Context, v EmailTemplate) (EmailTemplate, error) {
	return insertTemplateVersion(ctx, t, v)
}

func insertTemplateVersion(ctx context.Context, q sqlx.QueryerContext, t EmailTemplate) (EmailTemplate, error) {
	const ins = `
		INSERT INTO email_templates (name, version, subject, html_body, text_body, created_by,
			default_hash, reverted_from)
		SELECT $1, COALESCE(MAX(version) + 1, 1), $2, $3, $4, $5, $6, $7
		FROM email_templates WHERE name = $1
		RETURNING ` + emailTemplateColumns
	var out EmailTemplate
	err := sqlx.GetContext(ctx, q, &out, ins, t.Name, t.Subject, t.HTMLBody, t.TextBody, createdBy(t),
		t.DefaultHash, t.RevertedFrom)
	if err != nil {
		if apperr.Is(mapErr(err), apperr.Conflict) {
			return EmailTemplate{}, apperr.Wrap(apperr.Conflict, "someone else saved this template at the same time; reload and try again", err)
		}
		return EmailTemplate{}, fmt.Errorf("insert template %s: %w", t.Name, mapErr(err))
	}
	return out, nil
}

// SeedTemplate records t's content as a shipped default under its hash
// (t.DefaultHash) and stores it as version 0 unless the template already
// has a version 0, in one transaction; it reports whether it stored the
// version. Seeding is therefore idempotent, never overwrites a version,
// and keeps every default a release has shipped, for the editor's "the
// default changed" diff.
func (s *Store) SeedTemplate(ctx context.Context, t EmailTemplate) (bool, error) {
	const def = `
		INSERT INTO email_template_defaults (name, content_hash, subject, html_body, text_body)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name, content_hash) DO NOTHING`
	const ins = `
		INSERT INTO email_templates (name, version, subject, html_body, text_body, created_by, default_hash)
		VALUES ($1, 0, $2, $3, $4, $5, $6)
		ON CONFLICT (name, version) DO NOTHING`
	var n int64
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, def, t.Name, t.DefaultHash, t.Subject, t.HTMLBody, t.TextBody); err != nil {
			return mapErr(err)
		}
		res, err := tx.ExecContext(ctx, ins, t.Name, t.Subject, t.HTMLBody, t.TextBody, createdBy(t), t.DefaultHash)
		if err != nil {
			return mapErr(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("seed template %s: %w", t.Name, err)
	}
	return n == 1, nil
}

func createdBy(t EmailTemplate) string {
	if t.CreatedBy == "" {
		return "system"
	}
	return t.CreatedBy
}

// InsertEmailMessage stores a queued email unless one with the same dedupe
// key exists, and reports the new row's id and whether it inserted. A
// repeated workflow (a webhook and the return page both fulfilling one
// order) therefore queues its email once; only the caller that inserted
// should enqueue the delivery job.
func (t *Tx) InsertEmailMessage(ctx context.Context, m EmailMessage) (id int64, inserted bool, err error) {
	const ins = `
		INSERT INTO email_messages (template, template_version, test, to_email, subject, html_body,
			text_body, order_id, dedupe_key, message_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING id`
	err = t.GetContext(ctx, &id, ins, m.Template, m.TemplateVersion, m.Test, m.To, m.Subject, m.HTMLBody,
		m.TextBody, m.OrderID, m.DedupeKey, m.MessageID)
	if err != nil {
		if apperr.Is(mapErr(err), apperr.NotFound) { // no row returned: the dedupe key was taken
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("insert email %s: %w", m.DedupeKey, mapErr(err))
	}
	return id, true, nil
}

// EmailMessage returns one email, or an apperr NotFound.
func (s *Store) EmailMessage(ctx context.Context, id int64) (EmailMessage, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages WHERE id = $1`
	var m EmailMessage
	if err := s.db.GetContext(ctx, &m, sel, id); err != nil {
		return EmailMessage{}, fmt.Errorf("email %d: %w", id, mapErr(err))
	}
	return m, nil
}

// EmailMessages returns the emails to customers that match f, oldest
// first. Test sends from the template editor are not emails to customers
// and are left out; RecentEmailMessages lists them, marked.
func (s *Store) EmailMessages(ctx context.Context, f EmailFilter) ([]EmailMessage, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages
		WHERE NOT test AND ($1 = '' OR lower(to_email) = lower($1))
		  AND (CAST($2 AS BIGINT) = 0 OR order_id = $2)
		ORDER BY id`
	out := []EmailMessage{}
	if err := s.db.SelectContext(ctx, &out, sel, f.To, f.OrderID); err != nil {
		return nil, fmt.Errorf("list emails: %w", mapErr(err))
	}
	return out, nil
}

// RecentEmailMessages returns the newest emails first, at most limit of
// them (1–500; other values mean 100), test sends included (Test says
// which). The dev mailbox lists them so.
func (s *Store) RecentEmailMessages(ctx context.Context, limit int) ([]EmailMessage, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages ORDER BY id DESC LIMIT $1`
	if limit < 1 || limit > 500 {
		limit = 100
	}
	out := []EmailMessage{}
	if err := s.db.SelectContext(ctx, &out, sel, limit); err != nil {
		return nil, fmt.Errorf("recent emails: %w", mapErr(err))
	}
	return out, nil
}

// MarkEmailAttempt counts a delivery attempt of a queued email and returns
// the new count. It is committed before the send, so every attempt is on
// record even if the process dies while sending. An email that is no longer
// queued (sent or failed meanwhile) gives an apperr Conflict.
func (s *Store) MarkEmailAttempt(ctx context.Context, id int64) (int, error) {
	const upd = `UPDATE email_messages SET attempts = attempts + 1
		WHERE id = $1 AND status = 'queued' RETURNING attempts`
	var attempts int
	if err := s.db.GetContext(ctx, &attempts, upd, id); err != nil {
		if apperr.Is(mapErr(err), apperr.NotFound) {
			return 0, apperr.Wrap(apperr.Conflict, "email is not queued", err)
		}
		return 0, fmt.Errorf("mark email %d attempt: %w", id, mapErr(err))
	}
	return attempts, nil
}

// MarkEmailSent records that the SMTP server accepted a queued email.
// Marking an email that is not queued changes nothing.
func (s *Store) MarkEmailSent(ctx context.Context, id int64) error {
	const upd = `UPDATE email_messages SET status = 'sent', sent_at = now()
		WHERE id = $1 AND status = 'queued'`
	if _, err := s.db.ExecContext(ctx, upd, id); err != nil {
		return fmt.Errorf("mark email %d sent: %w", id, mapErr(err))
	}
	return nil
}

// RecordEmailError keeps the reason of the last failed attempt; the email
// stays queued for the next one.
func (s *Store) RecordEmailError(ctx context.Context, id int64, reason string) error {
	const upd = `UPDATE email_messages SET last_error = $2 WHERE id = $1`
	if _, err := s.db.ExecContext(ctx, upd, id, reason); err != nil {
		return fmt.Errorf("record email %d error: %w", id, mapErr(err))
	}
	return nil
}

// MarkEmailFailed gives up on a queued email for good (the server refused the
// recipient, or the address is invalid) and keeps the reason.
func (s *Store) MarkEmailFailed(ctx context.Context, id int64, reason string) error {
	const upd = `UPDATE email_messages SET status = 'failed', last_error = $2
		WHERE id = $1 AND status = 'queued'`
	if _, err := s.db.ExecContext(ctx, upd, id, reason); err != nil {
		return fmt.Errorf("mark email %d failed: %w", id, mapErr(err))
	}
	return nil
}

// LatestOrderEmail returns the newest email about the order whose template
// is one of templates, as it was rendered, or an apperr NotFound.
func (t *Tx) LatestOrderEmail(ctx context.Context, orderID int64, templates []string) (EmailMessage, error) {
	const sel = `SELECT ` + emailMessageColumns + ` FROM email_messages
		WHERE order_id = $1 AND template = ANY($2) ORDER BY id DESC LIMIT 1`
	var m EmailMessage
	if err := t.GetContext(ctx, &m, sel, orderID, stringArray(templates)); err != nil {
		return EmailMessage{}, fmt.Errorf("latest email of order %d: %w", orderID, mapErr(err))
	}
	return m, nil
}
