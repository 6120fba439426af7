package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
	"github.com/backstophq/backstop/internal/fault"
)

// TestBrowserBlankPageThenBackToShop is the seed's customer, literally, in
// one phone-sized browser: they pay, the app dies as the processor confirms
// (a blank page), the app restarts, and they go back to the shop's front
// page. Instead of a new payment page they land on their order's status
// page, which says they already paid and the account is ready; the
// processor holds one session and one payment, and we hold one fulfilled
// order and one email. The webhooks are dropped, so nothing but our own
// repair paths can serve the order.
func TestBrowserBlankPageThenBackToShop(t *testing.T) {
	t.Parallel()
	ctx := e2e.Browser(t, 390, 844, 3*time.Minute)
	w := newWorld(t)
	app := w.startApp(fault.ReturnAfterVerify)
	w.simFaults("drop")
	email := "seed-" + randHex(4) + "@example.test"

	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(w.appURL("/")),
		chromedp.WaitVisible(`[data-testid="email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="email"]`, email, chromedp.ByQuery),
		chromedp.Click(`[data-testid="checkout-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#card`, chromedp.ByQuery),
		payWith("4242 4242 4242 4242"),
	), "from the pricing page through the simulator's payment page")
	require.True(t, app.KilledBySIGKILL(20*time.Second), "the app dies on the return page:\n%s", app.Output())
	require.Contains(t, app.Output(), "fault point "+fault.ReturnAfterVerify+" reached")
	var png []byte
	require.NoError(t, chromedp.Run(ctx, chromedp.Sleep(500*time.Millisecond), chromedp.FullScreenshot(&png, 100)))
	e2e.SaveScreenshot(t, "guard-blank-page.png", png)

	w.startApp("")
	var title, already, ref, location string
	var fits bool
	back, cancel := context.WithTimeout(ctx, 45*time.Second) // not the pricing page
	defer cancel()
	require.NoError(t, chromedp.Run(back,
		chromedp.Navigate(w.appURL("/")),
		chromedp.WaitVisible(`[data-testid="status-ready"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="status-title"]`, &title, chromedp.ByQuery),
		chromedp.Text(`[data-testid="status-already-paid"]`, &already, chromedp.ByQuery),
		chromedp.Text(`[data-testid="status-ref"]`, &ref, chromedp.ByQuery),
		chromedp.Location(&location),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits),
		chromedp.FullScreenshot(&png, 100),
	), "back to the shop after the blank page")
	e2e.SaveScreenshot(t, "guard-back-to-shop.png", png)
	assert.Equal(t, w.appURL("/status/"+ref+"?back=1"), location)
	assert.Equal(t, "Your account is ready", title)
	assert.Contains(t, already, "You already paid for Pro (yearly) at ")
	assert.Contains(t, already, "There is no need to pay again.")
	assert.True(t, fits, "the status page does not scroll sideways at 390px")

	require.Len(t, w.simList("checkout/sessions"), 1, "no second payment page was ever made")
	var via string
	require.NoError(t, w.db.Get(&via, `SELECT fulfilled_via FROM orders WHERE email = $1`, email))
	t.Logf("served via %s", via)
	w.waitServed(email, 1)
	w.requireServedOnce(email, 1)
}
