package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestConsoleBrowserFromSignInToAMismatch is a support person's first
// minute, in Debian's chromium against `backstop serve` and the simulator
// as processes: sign in, read the dashboard and its chart, open the queue,
// filter it, open the payment nobody could be served for, and see both
// sides. The queue and the mismatch page are the README's screenshots
// (docs/, refreshed with BACKSTOP_UPDATE_SCREENSHOTS=1).
func TestConsoleBrowserFromSignInToAMismatch(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_GRACE=1ms"}
	// The seed's support case, a payment with no email, and two more a
	// person must look at: one disputed, one of an amount no plan costs.
	w.simJSON("POST", "/_sim/payments", map[string]any{"amount": 24900, "currency": "usd", "metadata": map[string]string{}}, nil)
	var disputed struct {
		Charge string `json:"charge"`
	}
	w.simJSON("POST", "/_sim/payments", map[string]any{"email": "kim@example.test", "amount": 24900, "currency": "usd",
		"metadata": map[string]string{"plan": "pro-yearly"}}, &disputed)
	w.simJSON("POST", "/_sim/charges/"+disputed.Charge+"/dispute", nil, nil)
	w.simJSON("POST", "/_sim/payments", map[string]any{"email": "lee@example.test", "amount": 19900, "currency": "usd",
		"metadata": map[string]string{"plan": "pro-yearly"}}, nil)
	w.simJSON("POST", "/_sim/payments", map[string]any{"email": "sam@example.test", "amount": 24900, "currency": "usd",
		"metadata": map[string]string{"plan": "pro-yearly"}}, nil)
	time.Sleep(1100 * time.Millisecond) // older than the grace, at the processor's one-second resolution
	w.backstop("reconcile")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM mismatches WHERE kind = 'identity_unknown' AND status = 'open'`))

	password := w.staffLogin("ana@shop.test", "support")
	w.startApp("")

	ctx := e2e.Browser(t, 1280, 900, 3*time.Minute)
	var png []byte
	var bars int
	var signedIn, chartSummary string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(w.appURL("/console/")),
		chromedp.WaitVisible(`input[name="email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name="email"]`, "ana@shop.test", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="password"]`, password, chromedp.ByQuery),
		chromedp.Click(`[data-testid="console-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="orders-chart"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="chart-bar"] title').length`, &bars),
		chromedp.Text(`[data-testid="console-signed-in"]`, &signedIn, chromedp.ByQuery),
		chromedp.Text(`[data-testid="chart-summary"]`, &chartSummary, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	), "sign in and land on the dashboard")
	e2e.SaveScreenshot(t, "console-dashboard.png", png)
	assert.Equal(t, 60, bars, "two bars a day for 30 days, each with its numbers")
	assert.Equal(t, "ana@shop.test support", strings.Join(strings.Fields(signedIn), " "))
	assert.Contains(t, chartSummary, "were paid")

	var kinds []string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`[data-testid="console-nav"] a[href="/console/mismatches"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="mismatch-row"][data-kind="identity_unknown"]`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('[data-testid="mismatch-row"]')].map(r => r.dataset.kind)`, &kinds),
		chromedp.FullScreenshot(&png, 100),
	), "the queue lists the mismatches")
	e2e.SaveDocScreenshot(t, "console-queue.png", png)
	require.Contains(t, kinds, "identity_unknown")
	require.Equal(t, "disputed", kinds[0], "the dispute comes first: it has a deadline")

	// htmx: a filter swaps the results and puts the filter in the address.
	var location string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.SetValue(`#f-kind`, "identity_unknown", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#f-kind').dispatchEvent(new Event('change', {bubbles: true}))`, nil),
		chromedp.Poll(`[...document.querySelectorAll('[data-testid="mismatch-row"]')].every(r => r.dataset.kind === "identity_unknown")`, nil,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Poll(`location.search.includes("kind=identity_unknown")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Location(&location),
	), "filtering by kind")
	assert.Contains(t, location, "/console/mismatches?kind=identity_unknown")

	var problem, status, fetched string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`[data-testid="mismatch-row"][data-kind="identity_unknown"] [data-testid="mismatch-link"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="processor-side"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="mismatch-problem"]`, &problem, chromedp.ByQuery),
		chromedp.Text(`[data-testid="processor-payment-status"]`, &status, chromedp.ByQuery),
		chromedp.Text(`[data-testid="processor-fetched"]`, &fetched, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	), "the mismatch page, both sides")
	e2e.SaveDocScreenshot(t, "console-mismatch.png", png)
	assert.Contains(t, problem, "carries no email we can use")
	assert.Equal(t, "succeeded", status, "the processor's side, asked live")
	assert.Regexp(t, `fetched at \d\d:\d\d:\d\d UTC`, fetched)

	var flash string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`[data-testid="console-logout"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="console-login"] [data-testid="flash"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="flash"]`, &flash, chromedp.ByQuery),
	), "signing out")
	assert.Equal(t, "You have signed out.", flash)
}
