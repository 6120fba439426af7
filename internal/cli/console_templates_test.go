package cli

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/staff"
)

func templateForm(c mail.Content, revision, live string) url.Values {
	return url.Values{"subject": {c.Subject}, "html": {c.HTML}, "text": {c.Text},
		"case": {"prompt_purchase"}, "revision": {revision}, "live_version": {live}}
}

// The editor over HTTP with the real store: a typo is refused with its
// place and changes nothing; a draft is saved, test-sent, published by an
// admin only, and reverted; a page older than the last change is refused.
func TestConsoleTemplateEditing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newTestStack(t)
	sam := s.staffBrowser(t, "sam@shop.test", staff.RoleSupport)
	alex := s.staffBrowser(t, "alex@shop.test", staff.RoleAdmin)
	const editor = "/console/templates/order_confirmation"
	def, _ := mail.Default(mail.OrderConfirmation)

	typo := def
	typo.Text = "Hello,\n\nYou paid {{ .Amout }}.\n"
	res := sam.post(t, editor+"/draft", templateForm(typo, "0", "0"))
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	problems := res.all("problem")
	require.Len(t, problems, 1, res.body)
	assert.Equal(t, []string{"text", "3", "13"}, []string{attrOf(problems[0], "data-part"), attrOf(problems[0], "data-line"), attrOf(problems[0], "data-col")})
	assert.Contains(t, textOf(problems[0]), "Text body, line 3, column 13: unknown variable .Amout")
	assert.Contains(t, res.body, "{{ .Amout }}", "the typed text comes back in the editor")
	_, err := s.store.TemplateDraft(ctx, mail.OrderConfirmation)
	assert.True(t, apperr.Is(err, apperr.NotFound), "nothing saved")

	edited := def
	edited.Subject = "Welcome aboard ({{.PublicRef}})"
	form := templateForm(edited, "0", "0")
	form.Set("text", strings.ReplaceAll(def.Text, "\n", "\r\n")) // as a browser sends a textarea
	res = sam.post(t, editor+"/draft", form)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	draft, err := s.store.TemplateDraft(ctx, mail.OrderConfirmation)
	require.NoError(t, err)
	assert.Equal(t, def.Text, draft.TextBody, "line breaks are stored as the template has them, so the diff shows only the edit")
	page := sam.get(t, editor)
	assert.Contains(t, page.one(t, "flash"), "Draft saved (revision 1)")
	assert.Equal(t, "Welcome aboard (BK-7Q2M-XK4P)", page.one(t, "preview-subject"))
	assert.Empty(t, page.all("publish-form"), "support is offered no publish")

	unsaved := edited
	unsaved.Subject = "Not saved yet ({{.PublicRef}})"
	res = sam.post(t, editor+"/test", templateForm(unsaved, "1", "0"))
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Contains(t, res.one(t, "flash"), "Test sent to sam@shop.test")
	recent, err := s.store.RecentEmailMessages(ctx, 5)
	require.NoError(t, err)
	require.Len(t, recent, 1)
	assert.True(t, recent[0].Test)
	assert.Equal(t, "Not saved yet (BK-7Q2M-XK4P)", recent[0].Subject)

	res = sam.post(t, editor+"/publish", url.Values{"revision": {"1"}, "live_version": {"0"}})
	assert.Equal(t, http.StatusForbidden, res.status, "support may not publish")
	res = alex.post(t, editor+"/publish", url.Values{"revision": {"1"}, "live_version": {"0"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	live, err := s.store.LatestTemplate(ctx, mail.OrderConfirmation)
	require.NoError(t, err)
	assert.Equal(t, 1, live.Version)
	assert.Equal(t, "alex@shop.test", live.CreatedBy)

	res = alex.post(t, editor+"/publish", url.Values{"revision": {"1"}, "live_version": {"0"}})
	require.Equal(t, http.StatusConflict, res.status, "a page from before the publish")
	assert.Contains(t, res.one(t, "editor-notice"), "alex@shop.test made v1 live at")

	page = alex.get(t, editor)
	assert.Len(t, page.all("version-row"), 2)
	require.Len(t, page.all("action-revert"), 1, "only the version that is not live can be made live again")
	res = alex.post(t, editor+"/revert", url.Values{"version": {"0"}, "live_version": {"1"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	live, err = s.store.LatestTemplate(ctx, mail.OrderConfirmation)
	require.NoError(t, err)
	assert.Equal(t, 2, live.Version)
	assert.Equal(t, def.Subject, live.Subject)
	assert.Contains(t, alex.get(t, editor).one(t, "flash"), "Reverted: v2, a copy of v0, is live.")

	list := sam.get(t, "/console/templates")
	rows := list.all("template-live")
	require.Len(t, rows, len(mail.Names()))
	assert.Contains(t, textOf(rows[0]), "v2 alex@shop.test", "order_confirmation comes first, with its live version")
}

// A release that changed a default: the list and the editor say so, with
// what the release changed; a draft started from the new default and
// published clears it.
func TestConsoleTemplateDefaultChanged(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newTestStack(t)
	old := "Sorry for the delay ({{.PublicRef}})" // an earlier release's subject
	now, _ := mail.Default(mail.DelayedFulfillment)
	was := now
	was.Subject = old
	_, err := s.store.DB().ExecContext(ctx, `INSERT INTO email_template_defaults (name, content_hash, subject, html_body, text_body)
		VALUES ($1, $2, $3, $4, $5)`, mail.DelayedFulfillment, mail.ContentHash(was), was.Subject, was.HTML, was.Text)
	require.NoError(t, err)
	_, err = s.store.DB().ExecContext(ctx, `UPDATE email_templates SET subject = $2, default_hash = $3 WHERE name = $1 AND version = 0`,
		mail.DelayedFulfillment, old, mail.ContentHash(was))
	require.NoError(t, err)
	alex := s.staffBrowser(t, "alex@shop.test", staff.RoleAdmin)

	list := alex.get(t, "/console/templates")
	require.Len(t, list.all("default-changed"), 1)
	const editor = "/console/templates/delayed_fulfillment"
	page := alex.get(t, editor)
	change := page.one(t, "default-change")
	assert.Contains(t, change, "-"+old)
	assert.Contains(t, change, "+"+now.Subject)

	res := alex.post(t, editor+"/draft", url.Values{"from_default": {"1"}, "revision": {"0"},
		"subject": {now.Subject}, "html": {now.HTML}, "text": {now.Text}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	res = alex.post(t, editor+"/publish", url.Values{"revision": {"1"}, "live_version": {"0"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Empty(t, alex.get(t, editor).all("default-change"))
	assert.Empty(t, alex.get(t, "/console/templates").all("default-changed"))
}
