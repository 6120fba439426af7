package handlers

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, chromedp.Run(b.ctx,
		chromedp.Navigate(b.baseURL+"/no/such/page"),
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

type browser struct {
	ctx     context.Context
	baseURL string
	app     *testApp
}

// startBrowser serves the real app on 127.0.0.1 and opens chromium on it
// with a 390×844 viewport (a current phone).
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chromium := findChromium(t)
	ta := setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = ta.app.Listener(ln) }()
	t.Cleanup(func() { _ = ta.app.ShutdownWithTimeout(5 * time.Second) })

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))))
	return &browser{ctx: ctx, baseURL: "http://" + ln.Addr().String(), app: ta}
}

func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("BACKSTOP_REQUIRE_BROWSER") == "1" {
		t.Fatal("chromium not found and BACKSTOP_REQUIRE_BROWSER=1: apt-get install -y chromium")
	}
	t.Skip("chromium not found; set BACKSTOP_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// saveScreenshot writes png to docs/name when BACKSTOP_UPDATE_SCREENSHOTS=1,
// else to the test's temp dir, so a normal run leaves the tree clean.
func (b *browser) saveScreenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	require.NotEmpty(t, png)
	dir := t.TempDir()
	if os.Getenv("BACKSTOP_UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "docs")
		require.NoError(t, os.MkdirAll(dir, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}
