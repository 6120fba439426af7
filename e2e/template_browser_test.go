package e2e

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestTemplateBrowserEditPublishRevert is an admin changing the words of
// the confirmation email, in Debian's chromium against `backstop serve`,
// the simulator and Mailpit as processes: the preview follows the typing;
// a typo is refused with its line and column and the live email stays as
// it was; a test send arrives with the previewed words; after publishing,
// the next purchase's email is rendered from the new version, and after a
// revert the one after that has the old words again.
func TestTemplateBrowserEditPublishRevert(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	added := w.backstop("staff", "add", "--email", "ana@shop.test", "--role", "admin")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(added)
	require.NotNil(t, m, added)
	w.startApp("")
	const subject = "Welcome aboard: your {{.PlanName}} is ready ({{.PublicRef}})"
	const previewed = "Welcome aboard: your Pro (yearly) is ready (BK-7Q2M-XK4P)"

	ctx := e2e.Browser(t, 1280, 1000, 4*time.Minute)
	var before string
	require.NoError(t, chromedp.Run(ctx,
		w.signIn("ana@shop.test", m[1]),
		chromedp.Click(`[data-testid="console-nav"] a[href="/console/templates"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="template-row"][data-name="order_confirmation"] a`, chromedp.ByQuery),
		htmxReady(`[data-testid="console-nav"] a`), // a boosted link would be boosted now: the editor's must not be
		chromedp.Click(`[data-testid="template-row"][data-name="order_confirmation"] a`, chromedp.ByQuery),
		chromedp.WaitVisible(`#field-subject`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="preview-subject"]`, &before, chromedp.ByQuery),
	), "open the confirmation's editor")
	assert.Equal(t, "Your Pro (yearly) access is ready (BK-7Q2M-XK4P)", before)
	_, background := frameView(t, ctx)
	assert.Equal(t, "rgb(246, 246, 244)", background, "reached by a link, the frame has the email's inline styles")

	var png []byte
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Clear(`#field-subject`, chromedp.ByQuery),
		chromedp.SendKeys(`#field-subject`, subject, chromedp.ByQuery),
		waitText("preview-subject", previewed, nil),
		chromedp.CaptureScreenshot(&png), // the viewport: the form beside its preview
		chromedp.Click(`[data-testid="action-save"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="discard-form"]`, chromedp.ByQuery),
	), "the preview follows the typing; save")
	e2e.SaveDocScreenshot(t, "console-template-editor.png", png)
	assert.Contains(t, textOf(t, ctx, `[data-testid="flash"]`), "Draft saved (revision 1)")
	var srcdoc string
	require.NoError(t, chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid="preview-frame"]`, "srcdoc", &srcdoc, nil, chromedp.ByQuery)))
	assert.Contains(t, srcdoc, "<p>Thank you for your order.", "the frame holds the HTML itself, not its source as text")

	// A typo: refused with its line and column, in the preview as typed
	// and again on save; the live version does not move.
	var line, col, where string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SetValue(`#field-text`, "Hello,\n\nYou paid {{ .Amout }}.\n", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#field-text').dispatchEvent(new KeyboardEvent('keyup', {bubbles: true}))`, nil),
		chromedp.WaitVisible(`[data-testid="problem"][data-part="text"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="action-save"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="editor-notice"]`, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-testid="problem"]`, "data-line", &line, nil, chromedp.ByQuery),
		chromedp.AttributeValue(`[data-testid="problem"]`, "data-col", &col, nil, chromedp.ByQuery),
		chromedp.Text(`[data-testid="problem"] a`, &where, chromedp.ByQuery),
	), "a typo is refused on save")
	assert.Equal(t, []string{"3", "13"}, []string{line, col})
	assert.Equal(t, "Text body, line 3, column 13", where)
	assert.Equal(t, 1, w.count(`SELECT count(*) FROM email_templates WHERE name = 'order_confirmation'`), "only version 0")
	assert.Equal(t, 1, w.count(`SELECT revision FROM email_template_drafts WHERE name = 'order_confirmation'`), "the saved draft is untouched")

	// A test send of the saved draft, as previewed, to the admin.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(w.appURL("/console/templates/order_confirmation")),
		waitText("preview-subject", previewed, nil),
		chromedp.Click(`[data-testid="action-test-send"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="flash"]:not([hidden])`, chromedp.ByQuery),
	), "test send")
	assert.Contains(t, textOf(t, ctx, `[data-testid="flash"]`), "Test sent to ana@shop.test")
	test := w.mailTo("ana@shop.test", previewed)
	assert.Contains(t, test.Text, "Thank you for your order. We received your payment of $249.00")
	assert.Equal(t, 0, w.count(`SELECT count(*) FROM email_messages WHERE NOT test`), "a test is no customer's email")

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`[data-testid="action-publish"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="version-row"][data-version="1"]`, chromedp.ByQuery),
	), "publish")
	assert.Contains(t, textOf(t, ctx, `[data-testid="flash"]`), "Published: v1 is live.")
	ref := w.buy("first@example.test")
	assert.Equal(t, 1, w.emailVersion(ref), "the next purchase's email is rendered from v1")
	w.mailTo("first@example.test", "Welcome aboard: your Pro (yearly) is ready ("+ref+")")

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(w.appURL("/console/templates/order_confirmation")),
		chromedp.WaitVisible(`[data-testid="version-row"][data-version="0"] [data-testid="action-revert"]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid="version-row"][data-version="0"] [data-testid="action-revert"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="version-row"][data-version="2"]`, chromedp.ByQuery),
	), "revert to the shipped default")
	assert.Contains(t, textOf(t, ctx, `[data-testid="flash"]`), "Reverted: v2, a copy of v0, is live.")
	ref = w.buy("second@example.test")
	assert.Equal(t, 2, w.emailVersion(ref))
	w.mailTo("second@example.test", "Your Pro (yearly) access is ready ("+ref+")")
	assert.Equal(t, 2, w.count(`SELECT count(*) FROM audit_log WHERE action IN ('template.published', 'template.reverted') AND details ? 'diff'`))

	// The sandboxed frame shows the email as a customer would, with its
	// inline styles, not its source.
	text, background := frameView(t, ctx)
	assert.Contains(t, text, "Thank you for your order")
	assert.NotContains(t, text, "<p>")
	assert.Equal(t, "rgb(246, 246, 244)", background, "the email's own inline style applies in the frame")
}

// frameView is the text and the body's background of the sandboxed
// preview frame, read through the frame's own target (see frameText). The
// frame's context is left open: cancelling it closes the frame's target,
// and the page's next swap would wait on it.
func frameView(t *testing.T, ctx context.Context) (text, background string) {
	t.Helper()
	targets, err := chromedp.Targets(ctx)
	require.NoError(t, err)
	for _, target := range targets {
		if target.Type != "iframe" || !target.Attached {
			continue
		}
		fctx, _ := chromedp.NewContext(ctx, chromedp.WithTargetID(target.TargetID))
		require.NoError(t, chromedp.Run(fctx,
			chromedp.Text("body", &text, chromedp.ByQuery),
			chromedp.Evaluate(`getComputedStyle(document.body).backgroundColor`, &background),
		))
		return text, background
	}
	t.Fatal("no frame target: the preview did not load")
	return "", ""
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	require.NoError(t, chromedp.Run(ctx, chromedp.Text(sel, &s, chromedp.ByQuery)))
	return s
}

// buy pays for the plan as email, comes back to the return page (which
// serves the order) and returns the order's public reference.
func (w *world) buy(email string) string {
	w.t.Helper()
	resp, err := w.noRedirect.Get(w.pay(w.checkout(email, formToken())))
	require.NoError(w.t, err)
	resp.Body.Close()
	require.Equal(w.t, http.StatusOK, resp.StatusCode)
	var ref string
	require.NoError(w.t, w.db.Get(&ref, `SELECT public_ref FROM orders WHERE email = $1`, email))
	return ref
}

// emailVersion is the version the confirmation of order ref was rendered
// from, as its email_messages row keeps it.
func (w *world) emailVersion(ref string) int {
	w.t.Helper()
	var v int
	require.NoError(w.t, w.db.Get(&v, `SELECT m.template_version FROM email_messages m JOIN orders o ON o.id = m.order_id
		WHERE o.public_ref = $1 AND m.template = 'order_confirmation'`, ref))
	return v
}

// mailTo waits until Mailpit holds a message to address with subject, and
// returns it with its parts.
func (w *world) mailTo(address, subject string) e2e.MailpitDetail {
	w.t.Helper()
	w.waitMail(w.t, address, subject, 1)
	for _, msg := range w.mail.MessagesTo(w.t, address) {
		if msg.Subject == subject {
			return w.mail.Message(w.t, msg.ID)
		}
	}
	w.t.Fatalf("no email to %s with the subject %q", address, subject)
	return e2e.MailpitDetail{}
}
