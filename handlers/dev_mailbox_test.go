package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// fakeMailbox holds emails oldest first, as the table does.
type fakeMailbox struct{ msgs []store.EmailMessage }

func (f *fakeMailbox) RecentEmailMessages(ctx context.Context, limit int) ([]store.EmailMessage, error) {
	var out []store.EmailMessage
	for i := len(f.msgs) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, f.msgs[i])
	}
	return out, nil
}

func (f *fakeMailbox) EmailMessage(ctx context.Context, id int64) (store.EmailMessage, error) {
	for _, m := range f.msgs {
		if m.ID == id {
			return m, nil
		}
	}
	return store.EmailMessage{}, apperr.New(apperr.NotFound, "no such email")
}

func withMailbox(t *testing.T, opts ...func(*Deps)) *testApp {
	t.Helper()
	orderID := int64(42)
	sent := time.Date(2026, 11, 30, 12, 0, 5, 0, time.UTC)
	mb := &fakeMailbox{msgs: []store.EmailMessage{
		{ID: 1, Template: "order_confirmation", TemplateVersion: new(1), To: "old@example.com",
			Subject: "Older", HTMLBody: "<p>old</p>", TextBody: "old", Status: store.EmailQueued,
			Attempts: 0, CreatedAt: sent.Add(-time.Hour)},
		{ID: 2, Template: "order_confirmation", TemplateVersion: new(3), To: "jane@example.com",
			Subject: "Your Pro access is ready (7KQ2-M9XA)", OrderID: &orderID,
			HTMLBody: `<p style="color:#222">Hello <b>Jane</b> & "friends"</p><script>alert(1)</script>`,
			TextBody: "Hello Jane\nYour reference: 7KQ2-M9XA\n", DedupeKey: "order:42:order_confirmation",
			MessageID: "<abc@backstop.localhost>", Status: store.EmailSent, Attempts: 1,
			CreatedAt: sent.Add(-time.Second), SentAt: &sent},
	}}
	return setup(t, append([]func(*Deps){func(d *Deps) { d.DevMailbox = mb }}, opts...)...)
}

func TestMailboxListsNewestFirst(t *testing.T) {
	t.Parallel()
	ta := withMailbox(t)

	for _, headers := range [][]string{nil, hxRequest} {
		res := ta.get(t, "/dev/mailbox", headers...)

		require.Equal(t, http.StatusOK, res.status)
		page := doc(t, res.body)
		items := byTestID(page, "mailbox-item")
		require.Len(t, items, 2)
		assert.Equal(t, "2", attr(items[0], "data-id"), "newest first")
		assert.Equal(t, "Your Pro access is ready (7KQ2-M9XA)", text(one(t, items[0], "mailbox-subject")))
		assert.Equal(t, "/dev/mailbox/2", attr(one(t, items[0], "mailbox-subject"), "href"))
		assert.Equal(t, "jane@example.com", text(one(t, items[0], "mailbox-to")))
		assert.Equal(t, "order_confirmation", text(one(t, items[0], "mailbox-template")))
		assert.Equal(t, "sent", text(one(t, items[0], "mailbox-status")))
		assert.Contains(t, text(items[0]), "2026-11-30 12:00:04 UTC")
		assert.Equal(t, "queued", text(one(t, items[1], "mailbox-status")))
		links := byTestID(page, "mailbox-console")
		require.Len(t, links, 1, "the old address leads to the console's emails page")
		assert.Contains(t, res.body, `href="/console/emails"`)
		assert.Equal(t, "HX-Request", res.header.Get("Vary"))
		if headers == nil {
			assert.Contains(t, res.body, "<html", "a full page")
		} else {
			assert.NotContains(t, res.body, "<html", "htmx gets the list alone")
			assert.Equal(t, "/dev/mailbox", attr(one(t, page, "mailbox"), "hx-get"), "the partial keeps polling")
		}
	}
}

func TestMailboxEmptySaysHowToFillIt(t *testing.T) {
	t.Parallel()
	ta := setup(t, func(d *Deps) { d.DevMailbox = &fakeMailbox{} })

	res := ta.get(t, "/dev/mailbox")

	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, text(one(t, doc(t, res.body), "mailbox-empty")), "No emails yet")
}

func TestMailboxShowsOneMessage(t *testing.T) {
	t.Parallel()
	ta := withMailbox(t)

	for _, headers := range [][]string{nil, hxRequest} {
		res := ta.get(t, "/dev/mailbox/2", headers...)

		require.Equal(t, http.StatusOK, res.status)
		page := doc(t, res.body)
		assert.Equal(t, "Your Pro access is ready (7KQ2-M9XA)", text(one(t, page, "mail-subject")))
		assert.Equal(t, "jane@example.com", text(one(t, page, "mail-to")))
		assert.Equal(t, "order_confirmation v3", text(one(t, page, "mail-template")))
		assert.Equal(t, "<abc@backstop.localhost>", text(one(t, page, "mail-message-id")))
		assert.Equal(t, "42", text(one(t, page, "mail-order")))
		frame := one(t, page, "mail-frame")
		assert.Equal(t, "iframe", frame.Data)
		assert.True(t, hasAttr(frame, "sandbox"), "the email's HTML runs sandboxed")
		assert.Empty(t, attr(frame, "sandbox"), "with every restriction: no scripts, no same origin")
		assert.Equal(t, `<p style="color:#222">Hello <b>Jane</b> & "friends"</p><script>alert(1)</script>`,
			attr(frame, "srcdoc"), "the body arrives intact, as an attribute")
		assert.NotContains(t, res.body, "<script>alert(1)", "never as markup of the page itself")
		assert.Equal(t, "Hello Jane\nYour reference: 7KQ2-M9XA\n", one(t, page, "mail-text").FirstChild.Data)
		csp := res.header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "style-src 'self' 'unsafe-inline'", "the email's inline styles apply in the frame")
		assert.Contains(t, csp, "script-src 'self';")
		if headers == nil {
			assert.Contains(t, res.body, "<html")
		} else {
			assert.NotContains(t, res.body, "<html")
		}
	}
}

func TestMailboxUnknownMessageIs404(t *testing.T) {
	t.Parallel()
	ta := withMailbox(t)

	for _, path := range []string{"/dev/mailbox/99", "/dev/mailbox/abc", "/dev/mailbox/-1"} {
		res := ta.get(t, path)
		assert.Equal(t, http.StatusNotFound, res.status, path)
		one(t, doc(t, res.body), "no-ref") // nothing to look up, so no reference to quote
	}
}

func TestMailboxAbsentOutsideDev(t *testing.T) {
	t.Parallel()
	ta := setup(t) // serve: no DevMailbox

	for _, path := range []string{"/dev/mailbox", "/dev/mailbox/1"} {
		for _, headers := range [][]string{nil, hxRequest} {
			res := ta.get(t, path, headers...)
			assert.Equal(t, http.StatusNotFound, res.status, path)
			assert.False(t, strings.Contains(res.body, "mailbox-item"), path)
		}
	}
}
