package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestStaffBrowserDisableEndsTheirSession: two windows with their own
// cookies against `backstop serve`. The admin disables the support login
// from the staff page; the support window's next page is the sign-in page,
// saying the session ended.
func TestStaffBrowserDisableEndsTheirSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	adminPassword := w.staffLogin("ana@shop.test", "admin")
	supportPassword := w.staffLogin("bo@shop.test", "support")
	w.startApp("")

	support := e2e.Browser(t, 1280, 1000, 2*time.Minute)
	require.NoError(t, chromedp.Run(support, w.signIn("bo@shop.test", supportPassword)), "bo signs in")
	admin := e2e.Browser(t, 1280, 1000, 2*time.Minute)
	row := `[data-testid="staff-row"][data-email="bo@shop.test"]`
	var flash string
	require.NoError(t, chromedp.Run(admin, w.signIn("ana@shop.test", adminPassword)), "ana signs in")
	require.NoError(t, chromedp.Run(admin,
		chromedp.WaitVisible(`[data-testid="console-nav"] a[href="/console/staff"]`, chromedp.ByQuery),
		chromedp.Navigate(w.appURL("/console/staff")),
		chromedp.WaitVisible(row, chromedp.ByQuery),
	), "ana opens the staff page")
	require.NoError(t, chromedp.Run(admin, press(row+` [data-testid="action-disable"]`)), "ana presses Disable on bo's row")
	// The post may be a full page load (no JavaScript needed): wait for
	// the new page's flash by query, which outlives a navigation.
	require.NoError(t, chromedp.Run(admin,
		chromedp.WaitVisible(`[data-testid="flash"]:not([hidden])`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="flash"]`, &flash, chromedp.ByQuery),
	), "ana is told bo is disabled")
	assert.Equal(t, "Disabled bo@shop.test: they cannot sign in, and any open session of theirs has ended.", flash)

	var ended, location string
	require.NoError(t, chromedp.Run(support,
		chromedp.Navigate(w.appURL("/console/mismatches")),
		chromedp.WaitVisible(`[data-testid="console-login-form"]`, chromedp.ByQuery),
		chromedp.Location(&location),
		chromedp.Text(`[data-testid="flash"]`, &ended, chromedp.ByQuery),
	), "bo's next page is the sign-in page")
	assert.Equal(t, w.appURL("/console/login"), location)
	assert.Contains(t, ended, "Your session ended")
	var staffStatus string
	require.NoError(t, chromedp.Run(admin, chromedp.Text(row+` [data-testid="staff-status"]`, &staffStatus, chromedp.ByQuery)))
	assert.Contains(t, staffStatus, "Disabled")
}
