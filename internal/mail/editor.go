package mail

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// Editor is the console's template editor: one draft per template, saved
// only when it validates; publish makes it the live version; revert
// publishes a copy of an older one; a test send mails the previewed case
// to a staff address. Versions are insert-only, and every change is
// audited in the transaction that makes it, publish and revert with the
// diff. It is safe for concurrent use: a change made from a page older
// than the draft or the live version it shows is refused, never applied
// over someone else's.
//
// Roles are the caller's to check: DESIGN gives drafts and test sends to
// support and admin, publish and revert to admin.
type Editor struct {
	st     *store.Store
	outbox *Outbox
}

// NewEditor returns an Editor over st that queues test sends through ob.
func NewEditor(st *store.Store, ob *Outbox) *Editor { return &Editor{st: st, outbox: ob} }

// Summary is one template in the list of templates.
type Summary struct {
	Name  string
	Live  store.EmailTemplate
	Draft *store.TemplateDraft // nil without one
	// DefaultChanged says the shipped default is not the one the live
	// version was based on: a release changed it since.
	DefaultChanged bool
}

// List summarises every template, in the order of Names.
func (e *Editor) List(ctx context.Context) ([]Summary, error) {
	live, err := e.st.LiveTemplates(ctx)
	if err != nil {
		return nil, err
	}
	drafts, err := e.st.TemplateDrafts(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Summary{}
	out := make([]Summary, 0, len(Names()))
	for _, name := range Names() {
		out = append(out, Summary{Name: name})
	}
	for i := range out {
		byName[out[i].Name] = &out[i]
	}
	for _, v := range live {
		if s := byName[v.Name]; s != nil {
			s.Live, s.DefaultChanged = v, defaultChanged(v)
		}
	}
	for _, d := range drafts {
		if s := byName[d.Name]; s != nil {
			s.Draft = &d
		}
	}
	return out, nil
}

// defaultChanged reports whether this release's default of v's template is
// not the one v was based on.
func defaultChanged(v store.EmailTemplate) bool {
	c, ok := Default(v.Name)
	return ok && ContentHash(c) != v.DefaultHash
}

// Workspace is everything the editor page shows for one template.
type Workspace struct {
	Name string
	Live store.EmailTemplate
	// Draft is the saved draft, or, without one, the live version's content
	// at revision 0, which a first save starts from.
	Draft    store.TemplateDraft
	HasDraft bool
	Versions []store.EmailTemplate // newest first, the live one included
	// DefaultChange is set when a release changed the shipped default since
	// the one the live version was based on.
	DefaultChange *DefaultChange
}

// DraftContent is the draft's source.
func (w Workspace) DraftContent() Content {
	return Content{Subject: w.Draft.Subject, HTML: w.Draft.HTMLBody, Text: w.Draft.TextBody}
}

// DefaultChange is what a release changed in a shipped default.
type DefaultChange struct {
	Was  *store.ShippedDefault // the default the live version was based on; nil if not on record
	Now  Content               // this release's default
	Diff []PartDiff            // from Was (or the live version, when nil) to Now
}

// Open returns the workspace of template name. An unknown name is an
// apperr NotFound.
func (e *Editor) Open(ctx context.Context, name string) (Workspace, error) {
	if !IsKnown(name) {
		return Workspace{}, apperr.New(apperr.NotFound, fmt.Sprintf("there is no template %q", name))
	}
	versions, err := e.st.TemplateVersions(ctx, name)
	if err != nil {
		return Workspace{}, err
	}
	if len(versions) == 0 {
		return Workspace{}, apperr.New(apperr.NotFound, fmt.Sprintf("template %q has no version yet", name))
	}
	w := Workspace{Name: name, Live: versions[0], Versions: versions}
	w.Draft, err = e.st.TemplateDraft(ctx, name)
	switch {
	case err == nil:
		w.HasDraft = true
	case apperr.Is(err, apperr.NotFound):
		w.Draft = draftOf(w.Live)
	default:
		return Workspace{}, err
	}
	if defaultChanged(w.Live) {
		if w.DefaultChange, err = e.defaultChange(ctx, w.Live); err != nil {
			return Workspace{}, err
		}
	}
	return w, nil
}

// draftOf is the unsaved draft a template's first save starts from: its
// live version.
func draftOf(live store.EmailTemplate) store.TemplateDraft {
	return store.TemplateDraft{
		Name: live.Name, Subject: live.Subject, HTMLBody: live.HTMLBody, TextBody: live.TextBody,
		BaseVersion: live.Version, DefaultHash: live.DefaultHash,
	}
}

func (e *Editor) defaultChange(ctx context.Context, live store.EmailTemplate) (*DefaultChange, error) {
	now, _ := Default(live.Name)
	dc := &DefaultChange{Now: now}
	was, err := e.st.ShippedDefault(ctx, live.Name, live.DefaultHash)
	switch {
	case err == nil:
		dc.Was = &was
		dc.Diff = Diff(Content{Subject: was.Subject, HTML: was.HTMLBody, Text: was.TextBody}, now)
	case apperr.Is(err, apperr.NotFound):
		dc.Diff = Diff(content(live), now)
	default:
		return nil, err
	}
	return dc, nil
}
