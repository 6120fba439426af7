package mail

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// The audit actions of the editor.
const (
	ActionDraftSaved     = "template.draft_saved"
	ActionDraftDiscarded = "template.draft_discarded"
	ActionPublished      = "template.published"
	ActionReverted       = "template.reverted"
	ActionTestSent       = "template.test_sent"
)

// SaveDraft is a save of the editor's form.
type SaveDraft struct {
	Name    string
	Content Content
	// Revision is the draft's revision the page was rendered from; 0 when
	// the page showed no draft.
	Revision int
	// FromDefault starts the draft from this release's shipped default, so
	// publishing it clears "the default changed".
	FromDefault bool
	Actor       string
}

// SaveDraft stores the draft if it validates and returns it. Errors:
// apperr NotFound for an unknown template; Invalid with Problems when the
// content does not validate (nothing is saved); Conflict when the draft
// was saved, published or discarded by someone else since the page was
// rendered (the message says who and when, where it can).
func (e *Editor) SaveDraft(ctx context.Context, req SaveDraft) (store.TemplateDraft, error) {
	if !IsKnown(req.Name) {
		return store.TemplateDraft{}, apperr.New(apperr.NotFound, fmt.Sprintf("there is no template %q", req.Name))
	}
	c := req.Content
	if err := Validate(req.Name, c.Subject, c.HTML, c.Text); err != nil {
		return store.TemplateDraft{}, err
	}
	var out store.TemplateDraft
	err := e.st.InTx(ctx, func(tx *store.Tx) error {
		live, err := tx.LockLiveTemplate(ctx, req.Name)
		if err != nil {
			return err
		}
		d, err := lockDraft(ctx, tx, req.Name, req.Revision)
		if err != nil {
			return err
		}
		if req.Revision == 0 {
			d = draftOf(live)
		}
		if req.FromDefault {
			def, _ := Default(req.Name)
			d.DefaultHash = ContentHash(def)
		}
		d.Subject, d.HTMLBody, d.TextBody, d.UpdatedBy = c.Subject, c.HTML, c.Text, req.Actor
		if out, err = tx.PutTemplateDraft(ctx, d); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, staff.AuditEntry{Actor: req.Actor, Action: ActionDraftSaved, Target: req.Name,
			Details: map[string]string{"revision": strconv.Itoa(out.Revision), "base_version": strconv.Itoa(out.BaseVersion)}})
	})
	return out, err
}

// lockDraft locks the draft of name and checks that it is at revision
// seen (0: that there is none). It returns the draft, or the zero draft
// when there is none.
func lockDraft(ctx context.Context, tx *store.Tx, name string, seen int) (store.TemplateDraft, error) {
	d, err := tx.LockTemplateDraft(ctx, name)
	switch {
	case apperr.Is(err, apperr.NotFound):
		if seen != 0 {
			return store.TemplateDraft{}, apperr.New(apperr.Conflict,
				"this draft was published or discarded since you opened the page; nothing was changed")
		}
		return store.TemplateDraft{}, nil
	case err != nil:
		return store.TemplateDraft{}, err
	case d.Revision != seen:
		return store.TemplateDraft{}, apperr.New(apperr.Conflict, fmt.Sprintf(
			"%s saved this draft at %s, after you opened the page; nothing was changed: reload to see their version",
			d.UpdatedBy, clock(d.UpdatedAt)))
	}
	return d, nil
}

// DiscardDraft deletes the draft at revision, as the page showed it.
// Errors: Conflict as for SaveDraft.
func (e *Editor) DiscardDraft(ctx context.Context, name string, revision int, actor string) error {
	return e.st.InTx(ctx, func(tx *store.Tx) error {
		if revision == 0 {
			return apperr.New(apperr.Invalid, "there is no draft to discard")
		}
		if _, err := lockDraft(ctx, tx, name, revision); err != nil {
			return err
		}
		if err := tx.DeleteTemplateDraft(ctx, name); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, staff.AuditEntry{Actor: actor, Action: ActionDraftDiscarded, Target: name,
			Details: map[string]string{"revision": strconv.Itoa(revision)}})
	})
}

// Publish is an admin's publish of the draft the page showed.
type Publish struct {
	Name        string
	Revision    int // the draft's revision the page showed
	LiveVersion int // the live version the page showed (and diffed against)
	Actor       string
}

// Publish makes the draft the live version: it validates it again (the
// rules may have changed since it was saved), inserts it as the next
// version with the shipped default it was based on, deletes the draft and
// records the diff from the live version in the audit log, in one
// transaction. Errors: Conflict when the live version or the draft changed
// since the page was rendered, or there is no draft; Invalid with Problems
// when the draft no longer validates.
func (e *Editor) Publish(ctx context.Context, req Publish) (store.EmailTemplate, error) {
	var out store.EmailTemplate
	err := e.st.InTx(ctx, func(tx *store.Tx) error {
		live, err := lockLive(ctx, tx, req.Name, req.LiveVersion)
		if err != nil {
			return err
		}
		if req.Revision == 0 {
			return apperr.New(apperr.Conflict, "there is no draft to publish")
		}
		d, err := lockDraft(ctx, tx, req.Name, req.Revision)
		if err != nil {
			return err
		}
		c := Content{Subject: d.Subject, HTML: d.HTMLBody, Text: d.TextBody}
		if err := Validate(req.Name, c.Subject, c.HTML, c.Text); err != nil {
			return err
		}
		out, err = tx.InsertTemplateVersion(ctx, store.EmailTemplate{Name: req.Name, Subject: c.Subject,
			HTMLBody: c.HTML, TextBody: c.Text, CreatedBy: req.Actor, DefaultHash: d.DefaultHash})
		if err != nil {
			return err
		}
		if err := tx.DeleteTemplateDraft(ctx, req.Name); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, versionAudit(req.Actor, ActionPublished, live, out, map[string]string{
			"draft_revision": strconv.Itoa(d.Revision)}))
	})
	return out, err
}

// Revert is an admin's revert to an older version.
type Revert struct {
	Name        string
	Version     int // the version to copy
	LiveVersion int // the live version the page showed
	Actor       string
}

// Revert publishes a copy of an older version as the next version, after
// validating it against today's rules, and records the diff from the live
// version in the audit log, in one transaction. A draft is left as it is.
// Errors: NotFound for a version that does not exist; Conflict when the
// live version changed since the page was rendered; Invalid when the
// version is the live one or no longer validates.
func (e *Editor) Revert(ctx context.Context, req Revert) (store.EmailTemplate, error) {
	var out store.EmailTemplate
	err := e.st.InTx(ctx, func(tx *store.Tx) error {
		live, err := lockLive(ctx, tx, req.Name, req.LiveVersion)
		if err != nil {
			return err
		}
		if req.Version == live.Version {
			return apperr.New(apperr.Invalid, fmt.Sprintf("v%d is already the live version", live.Version))
		}
		old, err := tx.TemplateVersion(ctx, req.Name, req.Version)
		if err != nil {
			return err
		}
		if err := Validate(req.Name, old.Subject, old.HTMLBody, old.TextBody); err != nil {
			return err
		}
		out, err = tx.InsertTemplateVersion(ctx, store.EmailTemplate{Name: req.Name, Subject: old.Subject,
			HTMLBody: old.HTMLBody, TextBody: old.TextBody, CreatedBy: req.Actor,
			DefaultHash: old.DefaultHash, RevertedFrom: &old.Version})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, versionAudit(req.Actor, ActionReverted, live, out, map[string]string{
			"reverted_to": strconv.Itoa(old.Version)}))
	})
	return out, err
}

// lockLive locks the live version of name and checks that it is the one
// the page showed.
func lockLive(ctx context.Context, tx *store.Tx, name string, seen int) (store.EmailTemplate, error) {
	if !IsKnown(name) {
		return store.EmailTemplate{}, apperr.New(apperr.NotFound, fmt.Sprintf("there is no template %q", name))
	}
	live, err := tx.LockLiveTemplate(ctx, name)
	if err != nil {
		return store.EmailTemplate{}, err
	}
	if live.Version != seen {
		return store.EmailTemplate{}, apperr.New(apperr.Conflict, fmt.Sprintf(
			"%s made v%d live at %s, after you opened the page; nothing was changed: reload to compare with it",
			live.CreatedBy, live.Version, clock(live.CreatedAt)))
	}
	return live, nil
}

// versionAudit is the audit entry of a new live version: the versions
// before and after and the diff between them.
func versionAudit(actor, action string, from, to store.EmailTemplate, details map[string]string) staff.AuditEntry {
	details["from_version"] = strconv.Itoa(from.Version)
	details["to_version"] = strconv.Itoa(to.Version)
	details["diff"] = Unified(Diff(content(from), content(to)))
	return staff.AuditEntry{Actor: actor, Action: action, Target: to.Name, Details: details}
}

// clock shows a time to staff, in UTC.
func clock(t time.Time) string { return t.UTC().Format("15:04:05 UTC on 2 Jan") }
