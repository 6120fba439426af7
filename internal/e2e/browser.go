package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser opens Debian's chromium (headless, the flags the handlers' browser
// tests use) with a width×height viewport at 2× scale, for up to timeout. It
// skips the test when chromium is missing, unless BACKSTOP_REQUIRE_BROWSER=1
// (CI), where that is a failure.
func Browser(t testing.TB, width, height int64, timeout time.Duration) context.Context {
	t.Helper()
	chromium := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
	)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(width, height, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Chromium finds the browser, or skips (fails under BACKSTOP_REQUIRE_BROWSER=1).
func Chromium(t testing.TB) string {
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

// SaveScreenshot writes png as name into $TMPDIR/backstop-screenshots,
// kept after the test so a person can look, and returns its path.
func SaveScreenshot(t testing.TB, name string, png []byte) string {
	t.Helper()
	if len(png) == 0 {
		t.Fatalf("screenshot %s is empty", name)
	}
	return writeScreenshot(t, filepath.Join(os.TempDir(), "backstop-screenshots"), name, png)
}

// SaveDocScreenshot is SaveScreenshot for a picture the README shows: with
// BACKSTOP_UPDATE_SCREENSHOTS=1 it also refreshes docs/name at the module
// root. One test owns each docs/ file.
func SaveDocScreenshot(t testing.TB, name string, png []byte) string {
	t.Helper()
	path := SaveScreenshot(t, name, png)
	if os.Getenv("BACKSTOP_UPDATE_SCREENSHOTS") != "1" {
		return path
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("module root: %v", err)
	}
	return writeScreenshot(t, filepath.Join(root, "docs"), name, png)
}

func writeScreenshot(t testing.TB, dir, name string, png []byte) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
