package handlers

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/e2e"
)

// The browser tests drive Debian's chromium against the real app on a
// loopback listener, at a phone's width. They skip when chromium is missing,
// unless BACKSTOP_REQUIRE_BROWSER=1 (CI), where that is a failure. With
// BACKSTOP_UPDATE_SCREENSHOTS=1 they refresh docs/*.png for the README.

func TestBrowserPricingOnAPhone(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)

	var price, htmxVersion string
	var hasEmail, fitsWidth, indicatorStylesOff bool
	var png []byte
	require.NoError(t, chromedp.Run(b.ctx,
		chromedp.Navigate(b.baseURL+"/"),
		chromedp.WaitVisible(`[data-testid="plan"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="plan-price"]`, &price, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('[data-testid="checkout-form"] input[type="email"][name="email"][required]') !== null`, &hasEmail),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fitsWidth),
		chromedp.Poll(`window.htmx && htmx.version`, &htmxVersion, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Evaluate(`htmx.config.includeIndicatorStyles === false`, &indicatorStylesOff),
		chromedp.FullScreenshot(&png, 100), // quality 100 gives PNG, lower JPEG
	))

	assert.Equal(t, "$249.00", price)
	assert.True(t, hasEmail, "the checkout form has a required email input")
	assert.True(t, fitsWidth, "nothing scrolls sideways at 390px")
	assert.Equal(t, "2.0.11", htmxVersion, "htmx loaded under the CSP")
	assert.True(t, indicatorStylesOff, "htmx read its config from the meta tag")
	b.saveScreenshot(t, "pricing.png", png)
}

func TestBrowserErrorPageOnAPhone(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)

	var ref string
	var fitsWidth bool
	var png []byte
	b.app.plans.err = errors.New("list plans: dial tcp db-7.internal: connection refused")
	require.NoError(t, chromedp.Run(b.ctx,
		chromedp.Navigate(b.baseURL+"/"),
		chromedp.WaitVisible(`[data-testid="error-ref"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="error-ref"]`, &ref, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fitsWidth),
		chromedp.FullScreenshot(&png, 100), // quality 100 gives PNG, lower JPEG
	))

	assert.Regexp(t, refPattern, ref)
	assert.True(t, fitsWidth, "nothing scrolls sideways at 390px")
	require.Len(t, b.app.errors.all(), 1)
	assert.Equal(t, b.app.errors.all()[0].Ref, ref, "the reference on screen is the stored one")
	b.saveScreenshot(t, "error.png", png)
}

// TestBrowserOpenCheckoutOnAPhone: a customer back at the shop with a
// checkout still open at the processor reads that nothing is charged and
// finds the way back to the same payment page.
func TestBrowserOpenCheckoutOnAPhone(t *testing.T) {
	t.Parallel()
	co := &fakeCheckout{prior: billing.Prior{Order: orderOf(billing.StatusPending), State: billing.PriorOpen, PayURL: "https://pay.example.test/cs_1"}}
	b := startBrowser(t, func(d *Deps) { d.Checkout = co })
	require.NoError(t, chromedp.Run(b.ctx, // the cookie POST /checkout would have set
		chromedp.Navigate(b.baseURL+"/healthz"),
		chromedp.Evaluate(`document.cookie = "`+orderCookieName+`=`+priorRef+`; path=/"`, nil)))

	var title, location string
	var fitsWidth bool
	var png []byte
	require.NoError(t, chromedp.Run(b.ctx,
		chromedp.Navigate(b.baseURL+"/"),
		chromedp.WaitVisible(`[data-testid="status-continue"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="status-title"]`, &title, chromedp.ByQuery),
		chromedp.Location(&location),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fitsWidth),
		chromedp.FullScreenshot(&png, 100),
	))
	assert.Equal(t, "Your checkout is still open", title)
	assert.Equal(t, b.baseURL+"/status/"+priorRef+"?back=1", location)
	assert.True(t, fitsWidth, "nothing scrolls sideways at 390px")
	e2e.SaveScreenshot(t, "status-open.png", png)
}

type browser struct {
	ctx     context.Context
	baseURL string
	app     *testApp
}

// startBrowser serves the real app on 127.0.0.1 and opens chromium on it
// with a 390×844 viewport (a current phone).
func startBrowser(t *testing.T, opts ...func(*Deps)) *browser {
	t.Helper()
	ctx := e2e.Browser(t, 390, 844, 60*time.Second)
	ta := setup(t, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = ta.app.Listener(ln) }()
	t.Cleanup(func() { _ = ta.app.ShutdownWithTimeout(5 * time.Second) })
	return &browser{ctx: ctx, baseURL: "http://" + ln.Addr().String(), app: ta}
}

// saveScreenshot keeps png in $TMPDIR/backstop-screenshots and, with
// BACKSTOP_UPDATE_SCREENSHOTS=1, refreshes docs/name for the README.
func (b *browser) saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	e2e.SaveDocScreenshot(t, name, png)
}
