package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
	"github.com/backstophq/backstop/internal/fault"
)

// TestCustomerBrowserAfterACrash is the seed's story from the support side,
// in chromium against the real binary: a customer pays, the process is
// killed on the return page right after the payment was verified, comes
// back and heals on its own. A support person pastes the customer's email
// into the search box and sees on one page the payment with the
// processor's live state, the order served and how, the email that told
// the customer, and any error page the customer was shown; Resend puts a
// second copy in Mailpit and writes one audit row.
func TestCustomerBrowserAfterACrash(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	email := "buyer-" + randHex(4) + "@example.test"
	crashAfterPayment(t, w, crashCase{point: fault.ReturnAfterVerify, holdWebhooks: true, visitReturn: true, emails: 1}, email)
	w.requireServedOnce(email, 1)
	var via, template string
	require.NoError(t, w.db.Get(&via, `SELECT fulfilled_via FROM orders WHERE email = $1`, email))
	require.NoError(t, w.db.Get(&template, `SELECT template FROM email_messages WHERE to_email = $1`, email))
	errorRefs := []string{}
	require.NoError(t, w.db.Select(&errorRefs, `SELECT r.ref FROM error_reports r JOIN orders o ON o.id = r.order_id WHERE o.email = $1`, email))

	password := w.staffLogin("ana@shop.test", "support")
	ctx := e2e.Browser(t, 1280, 900, 3*time.Minute)
	var order, payment, emailLine, flash, subscription, grant string
	var sources []string
	var png []byte
	require.NoError(t, chromedp.Run(ctx,
		w.signIn("ana@shop.test", password),
		chromedp.WaitVisible(`#console-q:focus`, chromedp.ByQuery),
		chromedp.SendKeys(`#console-q`, strings.ToUpper(email)+"\n", chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="customer"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="timeline-order"]`, &order, chromedp.ByQuery),
		chromedp.Text(`[data-testid="timeline-payment-live"]`, &payment, chromedp.ByQuery),
		chromedp.Text(`[data-testid="timeline-email"]`, &emailLine, chromedp.ByQuery),
		chromedp.Text(`[data-testid="subscription-status"]`, &subscription, chromedp.ByQuery),
		chromedp.Text(`[data-testid="invoice-grant"]`, &grant, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('[data-testid="timeline-item"]')].map(e => e.dataset.source)`, &sources),
		chromedp.FullScreenshot(&png, 100),
	), "search by email and land on the customer")
	e2e.SaveScreenshot(t, "console-customer.png", png)
	assert.Contains(t, order, "status fulfilled · fulfilled via "+strings.ReplaceAll(via, "_", " "))
	assert.Contains(t, payment, "processor: succeeded, $249.00")
	assert.Contains(t, emailLine, template)
	assert.Contains(t, emailLine, "sent")
	assert.Contains(t, sources, "webhook", "the webhooks that healed it")
	assert.Contains(t, subscription, "ours: active", "the yearly plan's subscription")
	assert.Contains(t, subscription, "active", "beside the processor's status")
	assert.Contains(t, grant, "granted", "the first invoice and what it granted")
	for _, ref := range errorRefs {
		var refs []string
		require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(
			`[...document.querySelectorAll('[data-testid="timeline-error-ref"]')].map(e => e.textContent)`, &refs)))
		assert.Contains(t, strings.Join(refs, " "), ref, "the error page the customer saw")
	}

	// Resend posts and the browser follows to the customer's page again,
	// with the flash; a wait begun before that load ends with it, so it
	// is asked again on the new page.
	require.NoError(t, chromedp.Run(ctx, press(`[data-testid="action-resend"]`)), "Resend")
	var err error
	for range 3 {
		if err = chromedp.Run(ctx, waitText("flash", "Resent", &flash)); err == nil {
			break
		}
	}
	require.NoError(t, err, "the flash after Resend")
	assert.Contains(t, flash, "is on its way to "+email)
	w.waitMail(t, email, "", 2)
	assert.Equal(t, 1, w.count(`SELECT count(*) FROM audit_log WHERE action = 'email.resent' AND actor = 'ana@shop.test'`))
	assert.Equal(t, 2, w.count(`SELECT count(*) FROM email_messages WHERE to_email = $1`, email))
}
