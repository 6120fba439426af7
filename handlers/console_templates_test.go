package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/store"
)

// fakeTemplates is the template editor with every template at its shipped
// default; it records the changes it is asked for. What the editor does
// with them is mail's business, tested there and, over HTTP with the real
// store, in internal/cli.
type fakeTemplates struct {
	mu    sync.Mutex
	calls []string // "save bo@example.com", "publish ana@example.com", …
}

func newFakeTemplates() *fakeTemplates { return &fakeTemplates{} }

func (f *fakeTemplates) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeTemplates) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeTemplates) List(ctx context.Context) ([]mail.Summary, error) {
	var out []mail.Summary
	for _, name := range mail.Names() {
		w, _ := f.Open(ctx, name)
		out = append(out, mail.Summary{Name: name, Live: w.Live})
	}
	return out, nil
}

func (f *fakeTemplates) Open(ctx context.Context, name string) (mail.Workspace, error) {
	c, ok := mail.Default(name)
	if !ok {
		return mail.Workspace{}, apperr.New(apperr.NotFound, "there is no such template")
	}
	live := store.EmailTemplate{Name: name, Subject: c.Subject, HTMLBody: c.HTML, TextBody: c.Text, CreatedBy: "system"}
	return mail.Workspace{Name: name, Live: live, Versions: []store.EmailTemplate{live},
		Draft: store.TemplateDraft{Name: name, Subject: c.Subject, HTMLBody: c.HTML, TextBody: c.Text}}, nil
}

func (f *fakeTemplates) SaveDraft(ctx context.Context, req mail.SaveDraft) (store.TemplateDraft, error) {
	f.record("save " + req.Actor)
	return store.TemplateDraft{Name: req.Name, Revision: req.Revision + 1}, nil
}

func (f *fakeTemplates) DiscardDraft(ctx context.Context, name string, revision int, actor string) error {
	f.record("discard " + actor)
	return nil
}

func (f *fakeTemplates) Publish(ctx context.Context, req mail.Publish) (store.EmailTemplate, error) {
	f.record("publish " + req.Actor)
	return store.EmailTemplate{Name: req.Name, Version: req.LiveVersion + 1}, nil
}

func (f *fakeTemplates) Revert(ctx context.Context, req mail.Revert) (store.EmailTemplate, error) {
	f.record("revert " + req.Actor)
	return store.EmailTemplate{Name: req.Name, Version: req.LiveVersion + 1}, nil
}

func (f *fakeTemplates) TestSend(ctx context.Context, req mail.TestSend) (mail.Preview, error) {
	f.record("test " + req.Actor + " to " + req.To)
	return mail.PreviewDraft(req.Name, req.Content, req.Case)
}

func editorForm() url.Values {
	c, _ := mail.Default(mail.OrderConfirmation)
	return url.Values{"subject": {"Edited {{.PublicRef}}"}, "html": {c.HTML}, "text": {strings.ReplaceAll(c.Text, "\n", "\r\n")},
		"revision": {"0"}, "live_version": {"0"}, "version": {"0"}}
}

// A support login edits drafts and sends tests; publishing and reverting,
// which change what customers receive, are an admin's (403 for support,
// before the editor is asked).
func TestTemplateRoutesByRole(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	b.signIn(t, bo.Email, anaPassword)
	page := b.get(t, "/console/templates/order_confirmation")
	require.Equal(t, http.StatusOK, page.status)
	assert.NotContains(t, page.body, `data-testid="action-revert"`, "support is offered no revert")

	const base = "/console/templates/order_confirmation/"
	res, _ := b.post(t, base+"draft", editorForm())
	assert.Equal(t, http.StatusSeeOther, res.status, res.body)
	res, _ = b.post(t, base+"test", editorForm())
	assert.Equal(t, http.StatusOK, res.status, res.body)
	res, _ = b.post(t, base+"preview", editorForm())
	assert.Equal(t, http.StatusOK, res.status)
	for _, action := range []string{"publish", "revert"} {
		res, _ = b.post(t, base+action, editorForm())
		assert.Equal(t, http.StatusForbidden, res.status, "support may not %s", action)
	}
	assert.Equal(t, []string{"save bo@example.com", "test bo@example.com to bo@example.com"}, b.templates.recorded())

	admin := newConsoleClientOn(b)
	admin.signIn(t, ana.Email, anaPassword)
	admin.get(t, "/console/templates/order_confirmation")
	for _, action := range []string{"publish", "revert"} {
		res, _ = admin.post(t, base+action, editorForm())
		assert.Equal(t, http.StatusSeeOther, res.status, "an admin may %s", action)
	}
	assert.Equal(t, []string{"publish ana@example.com", "revert ana@example.com"}, b.templates.recorded()[2:])
}

// The editor is one component: a full page on a normal load, and for htmx
// the region asked for. Typing posts to the preview, which answers with
// the preview region only, under the editor's policy.
func TestTemplateEditorPageAndPartials(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	b.signIn(t, bo.Email, anaPassword)

	list := b.get(t, "/console/templates")
	require.Equal(t, http.StatusOK, list.status)
	assert.Equal(t, len(mail.Names()), strings.Count(list.body, `data-testid="template-row"`))

	full := b.get(t, "/console/templates/order_confirmation")
	require.Equal(t, http.StatusOK, full.status)
	assert.Contains(t, full.body, "<html")
	assert.Equal(t, editorCSP, full.header.Get("Content-Security-Policy"))
	assert.Contains(t, full.body, `sandbox=""`)
	assert.Contains(t, full.body, `hx-trigger="keyup changed delay:400ms"`)
	assert.Contains(t, full.body, `data-testid="variables"`)

	res, _ := b.post(t, "/console/templates/order_confirmation/preview", editorForm(), "HX-Request", "true")
	require.Equal(t, http.StatusOK, res.status)
	assert.NotContains(t, res.body, "<html", "htmx gets the preview region")
	assert.True(t, strings.HasPrefix(strings.TrimSpace(res.body), `<section id="preview"`), res.body)
	assert.Contains(t, res.body, "Edited BK-7Q2M-XK4P", "the unsaved subject, rendered")
	assert.Equal(t, "HX-Request", res.header.Get("Vary"))
	assert.Equal(t, editorCSP, res.header.Get("Content-Security-Policy"))

	typo := editorForm()
	typo.Set("text", "Hello\r\nYou paid {{ .Amout }}.")
	res, _ = b.post(t, "/console/templates/order_confirmation/preview", typo, "HX-Request", "true")
	assert.Contains(t, res.body, `data-testid="problem" data-part="text" data-line="2" data-col="13"`)

	missing := b.get(t, "/console/templates/welcome")
	assert.Equal(t, http.StatusNotFound, missing.status)
}
