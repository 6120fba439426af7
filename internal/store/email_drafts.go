package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/backstophq/backstop/internal/apperr"
)

// TemplateDraft is the one draft of a template: saved only when it
// validates, published by copying it into a new version.
type TemplateDraft struct {
	Name     string `db:"name"`
	Subject  string `db:"subject"`
	HTMLBody string `db:"html_body"`
	TextBody string `db:"text_body"`
	// BaseVersion is the live version when the draft was started.
	BaseVersion int `db:"base_version"`
	// DefaultHash is the shipped default the draft is based on; publishing
	// gives it to the new version.
	DefaultHash string `db:"default_hash"`
	// Revision counts saves, from 1. A save or a publish names the revision
	// it was made from, so a draft saved meanwhile by someone else refuses
	// it rather than losing work.
	Revision  int       `db:"revision"`
	UpdatedBy string    `db:"updated_by"`
	UpdatedAt time.Time `db:"updated_at"`
}

// ShippedDefault is a default some release shipped, by the hash of its
// content.
type ShippedDefault struct {
	Name        string    `db:"name"`
	Hash        string    `db:"content_hash"`
	Subject     string    `db:"subject"`
	HTMLBody    string    `db:"html_body"`
	TextBody    string    `db:"text_body"`
	FirstSeenAt time.Time `db:"first_seen_at"`
}

const templateDraftColumns = `name, subject, html_body, text_body, base_version, default_hash,
	revision, updated_by, updated_at`

// LiveTemplates returns the live (newest) version of every template, by
// name.
func (s *Store) LiveTemplates(ctx context.Context) ([]EmailTemplate, error) {
	const sel = `SELECT DISTINCT ON (name) ` + emailTemplateColumns + `
		FROM email_templates ORDER BY name, version DESC`
	out := []EmailTemplate{}
	if err := s.db.SelectContext(ctx, &out, sel); err != nil {
		return nil, fmt.Errorf("live templates: %w", mapErr(err))
	}
	return out, nil
}

// TemplateDrafts returns every draft, by name.
func (s *Store) TemplateDrafts(ctx context.Context) ([]TemplateDraft, error) {
	const sel = `SELECT ` + templateDraftColumns + ` FROM email_template_drafts ORDER BY name`
	out := []TemplateDraft{}
	if err := s.db.SelectContext(ctx, &out, sel); err != nil {
		return nil, fmt.Errorf("template drafts: %w", mapErr(err))
	}
	return out, nil
}

// TemplateDraft returns the draft of a template, or an apperr NotFound when
// it has none.
func (s *Store) TemplateDraft(ctx context.Context, name string) (TemplateDraft, error) {
	return templateDraft(ctx, s.db, name, "")
}

// LockTemplateDraft reads the draft of a template FOR UPDATE, or gives an
// apperr NotFound when it has none.
func (t *Tx) LockTemplateDraft(ctx context.Context, name string) (TemplateDraft, error) {
	return templateDraft(ctx, t, name, " FOR UPDATE")
}

func templateDraft(ctx context.Context, q sqlx.QueryerContext, name, lock string) (TemplateDraft, error) {
	sel := `SELECT ` + templateDraftColumns + ` FROM email_template_drafts WHERE name = $1` + lock
	var d TemplateDraft
	if err := sqlx.GetContext(ctx, q, &d, sel, name); err != nil {
		return TemplateDraft{}, fmt.Errorf("template draft %s: %w", name, mapErr(err))
	}
	return d, nil
}

// LockLiveTemplate reads the live version of a template FOR UPDATE, so a
// publish, a revert or a save that compares it with the version a page
// showed holds it until it commits. NotFound when it has no version.
func (t *Tx) LockLiveTemplate(ctx context.Context, name string) (EmailTemplate, error) {
	const sel = `SELECT ` + emailTemplateColumns + ` FROM email_templates
		WHERE name = $1 ORDER BY version DESC LIMIT 1 FOR UPDATE`
	var v EmailTemplate
	if err := t.GetContext(ctx, &v, sel, name); err != nil {
		return EmailTemplate{}, fmt.Errorf("lock live template %s: %w", name, mapErr(err))
	}
	return v, nil
}

// TemplateVersion is Store.TemplateVersion in the transaction.
func (t *Tx) TemplateVersion(ctx context.Context, name string, version int) (EmailTemplate, error) {
	const sel = `SELECT ` + emailTemplateColumns + ` FROM email_templates WHERE name = $1 AND version = $2`
	var v EmailTemplate
	if err := t.GetContext(ctx, &v, sel, name, version); err != nil {
		return EmailTemplate{}, fmt.Errorf("template %s v%d: %w", name, version, mapErr(err))
	}
	return v, nil
}

// PutTemplateDraft stores d as the draft of its template. With d.Revision
// 0 it starts a draft at revision 1, and a draft there already (two first
// saves racing) is an apperr Conflict; otherwise it replaces revision
// d.Revision with the next one, and a draft at any other revision, or
// none, is an apperr Conflict. Either way nobody's save is lost unseen.
func (t *Tx) PutTemplateDraft(ctx context.Context, d TemplateDraft) (TemplateDraft, error) {
	const ins = `
		INSERT INTO email_template_drafts (name, subject, html_body, text_body, base_version,
			default_hash, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING ` + templateDraftColumns
	const upd = `
		UPDATE email_template_drafts SET subject = $2, html_body = $3, text_body = $4,
			base_version = $5, default_hash = $6, updated_by = $7,
			revision = revision + 1, updated_at = now()
		WHERE name = $1 AND revision = $8
		RETURNING ` + templateDraftColumns
	q, args := ins, []any{d.Name, d.Subject, d.HTMLBody, d.TextBody, d.BaseVersion, d.DefaultHash, d.UpdatedBy}
	if d.Revision != 0 {
		q, args = upd, append(args, d.Revision)
	}
	var out TemplateDraft
	if err := t.GetContext(ctx, &out, q, args...); err != nil {
		err = mapErr(err)
		if apperr.Is(err, apperr.NotFound) || apperr.Is(err, apperr.Conflict) {
			return TemplateDraft{}, apperr.Wrap(apperr.Conflict, "the draft was changed by someone else meanwhile; reload it", err)
		}
		return TemplateDraft{}, fmt.Errorf("put template draft %s: %w", d.Name, err)
	}
	return out, nil
}

// DeleteTemplateDraft removes the draft of a template, if any.
func (t *Tx) DeleteTemplateDraft(ctx context.Context, name string) error {
	if _, err := t.ExecContext(ctx, `DELETE FROM email_template_drafts WHERE name = $1`, name); err != nil {
		return fmt.Errorf("delete template draft %s: %w", name, mapErr(err))
	}
	return nil
}

// ShippedDefault returns the default of a template that some release
// shipped with content hash hash, or an apperr NotFound.
func (s *Store) ShippedDefault(ctx context.Context, name, hash string) (ShippedDefault, error) {
	const sel = `SELECT name, content_hash, subject, html_body, text_body, first_seen_at
		FROM email_template_defaults WHERE name = $1 AND content_hash = $2`
	var d ShippedDefault
	if err := s.db.GetContext(ctx, &d, sel, name, hash); err != nil {
		return ShippedDefault{}, fmt.Errorf("shipped default %s: %w", name, mapErr(err))
	}
	return d, nil
}
