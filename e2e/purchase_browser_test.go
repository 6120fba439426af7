package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestBrowserPurchaseOnAPhone is the demo a person gives: `backstop dev`,
// a phone-sized chromium, the pricing page, the simulator's payment page,
// the success page, and the confirmation email in the dev mailbox. A second
// checkout pays with the card that declines. Screenshots go to
// $TMPDIR/backstop-screenshots, or docs/ with BACKSTOP_UPDATE_SCREENSHOTS=1.
func TestBrowserPurchaseOnAPhone(t *testing.T) {
	t.Parallel()
	ctx := e2e.Browser(t, 390, 844, 3*time.Minute)
	d := startDev(t, devDataDir(t))

	var png []byte
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(d.url("/")),
		chromedp.WaitVisible(`[data-testid="plan"]`, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	))
	e2e.SaveScreenshot(t, "checkout-pricing.png", png)

	goToPayment(t, ctx, d.url("/"), "phone@example.com")
	var product, amount, payingAs string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Text(`[data-testid="product"]`, &product, chromedp.ByQuery),
		chromedp.Text(`[data-testid="amount"]`, &amount, chromedp.ByQuery),
		chromedp.Text(`[data-testid="email"]`, &payingAs, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	))
	assert.Equal(t, "Pro (yearly)", product)
	assert.Equal(t, "$249.00", amount)
	assert.Contains(t, payingAs, "phone@example.com", "the email typed on our page reached the processor")
	e2e.SaveScreenshot(t, "checkout-simulator.png", png)

	var title, ref, location string
	require.NoError(t, chromedp.Run(ctx,
		payWith("4242 4242 4242 4242"),
		chromedp.WaitVisible(`[data-testid="status-ready"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="status-title"]`, &title, chromedp.ByQuery),
		chromedp.Text(`[data-testid="status-ref"]`, &ref, chromedp.ByQuery),
		chromedp.Location(&location),
		chromedp.FullScreenshot(&png, 100),
	))
	assert.Equal(t, "Your account is ready", title)
	assert.True(t, strings.HasPrefix(location, d.url("/checkout/return?session_id=cs_")), "landed on the app's return URL: %s", location)
	e2e.SaveDocScreenshot(t, "success.png", png)

	// Back at the shop in the same browser: the order just paid for is
	// shown instead of a new payment page, and a second purchase is one
	// deliberate click away.
	var backTo string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(d.url("/")),
		chromedp.WaitVisible(`[data-testid="status-already-paid"]`, chromedp.ByQuery),
		chromedp.Location(&backTo),
		chromedp.Click(`[data-testid="status-start-again"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="again-notice"]`, chromedp.ByQuery),
	), "back at the shop after paying")
	assert.Equal(t, d.url("/status/"+ref+"?back=1"), backTo)

	// The card that declines: the simulator says so, and no email follows
	// (checkMailbox finds the confirmation still the newest).
	goToPayment(t, ctx, "", "declined@example.com")
	var declined string
	require.NoError(t, chromedp.Run(ctx,
		payWith("4000 0000 0000 0002"),
		chromedp.WaitVisible(`[data-testid="error"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="error"]`, &declined, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	))
	assert.Equal(t, "Your card was declined.", declined)
	e2e.SaveScreenshot(t, "checkout-declined.png", png)

	// The mailbox last: reading the email frame attaches to its target.
	checkMailbox(t, ctx, d, "Your Pro (yearly) access is ready ("+ref+")")

	// Ctrl-C with the browser still open (it keeps idle connections to both
	// servers) stops dev cleanly, within stop's 15 seconds.
	assert.Equal(t, 0, d.stop(t).ExitStatus(), d.proc.Output())
}

// goToPayment fills the pricing form (at pricingURL, or the page the browser
// is on when it is empty) and follows it to the simulator's page.
func goToPayment(t *testing.T, ctx context.Context, pricingURL, email string) {
	t.Helper()
	var open chromedp.Action = chromedp.ActionFunc(func(context.Context) error { return nil })
	if pricingURL != "" {
		open = chromedp.Navigate(pricingURL)
	}
	require.NoError(t, chromedp.Run(ctx,
		open,
		chromedp.WaitVisible(`[data-testid="email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="email"]`, email, chromedp.ByQuery),
		chromedp.Click(`[data-testid="checkout-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#card`, chromedp.ByQuery),
	), "from the pricing page to the simulator's payment page")
}

// payWith types a card number on the simulator's page and pays.
func payWith(card string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(`document.querySelector("#card").value = ""`, nil),
		chromedp.SendKeys(`#card`, card, chromedp.ByQuery),
		chromedp.Click(`main form button[type="submit"]`, chromedp.ByQuery),
	}
}

// checkMailbox opens the dev mailbox, waits until the email with subject is
// delivered (the list refreshes itself), and opens it.
func checkMailbox(t *testing.T, ctx context.Context, d *devRun, subject string) {
	t.Helper()
	var first, status, template string
	var png []byte
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(d.url("/dev/mailbox")),
		chromedp.WaitVisible(`[data-testid="mailbox-item"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector('[data-testid="mailbox-status"]').textContent === "sent"`, nil,
			chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Text(`[data-testid="mailbox-subject"]`, &first, chromedp.ByQuery),
		chromedp.Text(`[data-testid="mailbox-status"]`, &status, chromedp.ByQuery),
		chromedp.Text(`[data-testid="mailbox-template"]`, &template, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	), "the confirmation email reaches the mailbox as sent")
	assert.Equal(t, subject, first, "the newest email is the confirmation")
	assert.Equal(t, "order_confirmation", template)
	e2e.SaveDocScreenshot(t, "mailbox.png", png)

	var heading, textPart string
	var fits bool
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`[data-testid="mailbox-subject"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="mail-frame"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="mail-subject"]`, &heading, chromedp.ByQuery),
		chromedp.Text(`[data-testid="mail-text"]`, &textPart, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits),
		chromedp.FullScreenshot(&png, 100),
	))
	assert.Equal(t, subject, heading)
	assert.True(t, fits, "the email page does not scroll sideways at 390px")
	assert.Contains(t, textPart, "Thank you for your order")
	assert.Contains(t, frameText(t, ctx), "Thank you for your order", "the HTML part renders inside the frame")
	e2e.SaveScreenshot(t, "mailbox-email.png", png)
}

// frameText is the text of the sandboxed email frame. Chromium runs a
// sandboxed frame in its own process (an opaque origin), so neither page
// scripts nor the page's DOM reach it: the test attaches to its target.
func frameText(t *testing.T, ctx context.Context) string {
	t.Helper()
	targets, err := chromedp.Targets(ctx)
	require.NoError(t, err)
	for _, target := range targets {
		if target.Type != "iframe" {
			continue
		}
		fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(target.TargetID))
		defer cancel()
		var body string
		require.NoError(t, chromedp.Run(fctx, chromedp.Text("body", &body, chromedp.ByQuery)))
		return body
	}
	t.Fatal("no frame target: the email's HTML part did not load")
	return ""
}
