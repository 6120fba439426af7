package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// signedIn is a console client signed in as u, with the current token read.
func signedIn(t *testing.T, email string, opts ...func(*Deps)) *consoleClient {
	t.Helper()
	b := newConsoleClient(t, opts...)
	res, _ := b.signIn(t, email, anaPassword)
	require.Equal(t, http.StatusSeeOther, res.status)
	b.get(t, "/console/")
	return b
}

func TestConsoleLayoutConfiguresHTMXOnce(t *testing.T) {
	t.Parallel()
	b := signedIn(t, ana.Email)
	res := b.get(t, "/console/")
	require.Equal(t, http.StatusOK, res.status)
	page := doc(t, res.body)

	var metas []*html.Node
	for _, m := range elements(page, "meta") {
		if attr(m, "name") == "htmx-config" {
			metas = append(metas, m)
		}
	}
	require.Len(t, metas, 1)
	var cfg struct {
		HistoryCacheSize       *int  `json:"historyCacheSize"`
		AllowEval              *bool `json:"allowEval"`
		IncludeIndicatorStyles *bool `json:"includeIndicatorStyles"`
		ResponseHandling       []struct {
			Code  string `json:"code"`
			Swap  bool   `json:"swap"`
			Error bool   `json:"error"`
		} `json:"responseHandling"`
	}
	require.NoError(t, json.Unmarshal([]byte(attr(metas[0], "content")), &cfg))
	require.NotNil(t, cfg.HistoryCacheSize)
	assert.Zero(t, *cfg.HistoryCacheSize, "no history cache: the pages hold personal data")
	require.NotNil(t, cfg.AllowEval)
	assert.False(t, *cfg.AllowEval)
	require.NotNil(t, cfg.IncludeIndicatorStyles)
	assert.False(t, *cfg.IncludeIndicatorStyles)
	swaps := map[string]bool{}
	for i, r := range cfg.ResponseHandling {
		if _, seen := swaps[r.Code]; !seen {
			swaps[r.Code] = r.Swap && !r.Error
		}
		if r.Code == "[45].." {
			assert.Greater(t, i, 2, "the catch-all comes after 422 and 409")
		}
	}
	assert.True(t, swaps["422"], "an invalid form's words are swapped in")
	assert.True(t, swaps["409"], "a stale action's words are swapped in")

	body := elements(page, "body")[0]
	assert.Equal(t, "true", attr(body, "hx-boost"))
	assert.False(t, hasAttr(body, "hx-headers"), "boosted navigation would leave a stale token on <body>")
	var shell *html.Node
	for _, d := range elements(page, "div") {
		if attr(d, "id") == "console" {
			shell = d
		}
	}
	require.NotNil(t, shell)
	var headers map[string]string
	require.NoError(t, json.Unmarshal([]byte(attr(shell, "hx-headers")), &headers))
	assert.Equal(t, b.cookies[csrfCookie].Value, headers[csrfHeader], "every htmx request carries the token")

	nav := one(t, page, "console-nav")
	var labels []string
	for _, a := range elements(nav, "a") {
		labels = append(labels, text(a))
		assert.Equal(t, text(a) == "Dashboard", attr(a, "aria-current") == "page", text(a))
	}
	assert.Equal(t, []string{"Dashboard", "Mismatches", "Customers", "Emails", "Templates", "Incidents", "Runs", "Audit log", "Staff"}, labels, "an admin sees Staff")
	assert.Equal(t, "ana@example.com admin", text(one(t, page, "console-signed-in")))
	flash := one(t, page, "flash")
	assert.True(t, hasAttr(flash, "hidden"), "an empty flash area is hidden")
	assert.Empty(t, byTestID(page, "alert-banner"), "no alert, no banner")
}

func TestAlertBannerOnEveryConsolePage(t *testing.T) {
	t.Parallel()
	b := signedIn(t, bo.Email)
	since := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	b.core.alerts = []console.Alert{{Kind: "sweep", Message: "the last sweep run (#12) failed: processor unavailable", Since: since}}
	b.core.cases = map[int64]console.CaseFile{7: {Mismatch: store.MismatchDetail{MismatchSummary: store.MismatchSummary{ID: 7, Kind: "disputed", Status: "open"}}}}
	for _, path := range []string{"/console/", "/console/mismatches", "/console/mismatches/7"} {
		res := b.get(t, path)
		require.Equal(t, http.StatusOK, res.status, path)
		banner := text(one(t, doc(t, res.body), "alert-banner"))
		assert.Contains(t, banner, "The last sweep run (#12) failed: processor unavailable (since 10 Mar 2026 09:30 UTC).", path)
	}
}

func TestSignOutSaysSoOnce(t *testing.T) {
	t.Parallel()
	b := signedIn(t, ana.Email)
	res, _ := b.post(t, "/console/logout", url.Values{})
	require.Equal(t, http.StatusSeeOther, res.status)

	page := doc(t, b.get(t, "/console/login").body)
	assert.Equal(t, "You have signed out.", text(one(t, page, "flash")))
	assert.Empty(t, byTestID(doc(t, b.get(t, "/console/login").body), "flash"), "shown once")
}

// TestAnEndedSessionGoesToSignInWithWords: a page opened after the session
// ended sends the browser to sign in and says why; htmx is sent there by
// header; a change is refused with 401.
func TestAnEndedSessionGoesToSignInWithWords(t *testing.T) {
	t.Parallel()
	b := signedIn(t, ana.Email)
	b.staff.sessions = map[string]staff.User{} // it timed out on the server

	res := b.get(t, "/console/mismatches")
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/console/login", res.header.Get("Location"))
	assert.NotContains(t, b.cookies, sessionCookie, "the dead cookie is cleared")
	page := doc(t, b.get(t, "/console/login").body)
	assert.Contains(t, text(one(t, page, "flash")), "Your session ended")

	b.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: strings.Repeat("t", 41)}
	req := httptest.NewRequest(http.MethodGet, "/console/mismatches/count", nil)
	req.Header.Set("HX-Request", "true")
	res, _ = b.send(t, req)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Equal(t, "/console/login", res.header.Get("HX-Redirect"), "a poll takes the page to sign-in")

	res, _ = b.post(t, "/console/logout", url.Values{})
	assert.Equal(t, http.StatusUnauthorized, res.status)
	assert.Contains(t, res.body, "Please sign in to the console first")
}

// TestTheOpenCountPollDoesNotKeepTheSessionAlive: the count that refreshes
// itself every 10 seconds only peeks at the session; a page a person opens
// uses it.
func TestTheOpenCountPollDoesNotKeepTheSessionAlive(t *testing.T) {
	t.Parallel()
	b := signedIn(t, ana.Email)
	b.core.open = 4
	used, peeked := b.staff.used, b.staff.peeked

	res := b.get(t, "/console/mismatches/count")
	require.Equal(t, http.StatusOK, res.status)
	count := one(t, doc(t, res.body), "open-count")
	assert.Equal(t, "4", text(one(t, count, "open-count-number")))
	assert.Equal(t, "every 10s", attr(count, "hx-trigger"))
	assert.Equal(t, used, b.staff.used, "the poll did not count as activity")
	assert.Equal(t, peeked+1, b.staff.peeked)

	b.get(t, "/console/mismatches")
	assert.Equal(t, used+1, b.staff.used, "opening the queue does")
}

func TestFlashNowTravelsInHXTrigger(t *testing.T) {
	t.Parallel()
	app := fiber.New()
	app.Post("/", func(c *fiber.Ctx) error { flashNow(c, `Refunded $249.00 to "ana"`); return c.SendString("ok") })
	res, err := app.Test(httptest.NewRequest(http.MethodPost, "/", nil), -1)
	require.NoError(t, err)
	var trig map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(res.Header.Get("HX-Trigger")), &trig))
	assert.Equal(t, `Refunded $249.00 to "ana"`, trig["backstop:flash"]["message"])
}

// TestConsoleErrorsSpeakToStaff: an error under /console goes through the
// same ErrorHandler, with a reference, but without the customer's
// reassurance, and leads back to the console.
func TestConsoleErrorsSpeakToStaff(t *testing.T) {
	t.Parallel()
	b := signedIn(t, bo.Email)
	res := b.get(t, "/console/mismatches/41")
	require.Equal(t, http.StatusNotFound, res.status)
	page := doc(t, res.body)
	assert.Equal(t, "There is no such mismatch.", text(one(t, page, "error-message")))
	assert.Empty(t, byTestID(page, "money-safe"))
	assert.Equal(t, "/console/", attr(one(t, page, "console-back"), "href"))
	assert.Empty(t, byTestID(page, "error-ref"), "a page that is not there needs no reference")
	assert.Empty(t, b.ta.errors.all(), "nor a stored report")

	customer := b.ta.get(t, "/nowhere")
	assert.Len(t, byTestID(doc(t, customer.body), "money-safe"), 1, "customers still read that their money is safe")
}

// TestAPartialLeavesTheFlashForThePage: an htmx request that swaps part of
// a page has no flash area, so the message waits for the next full page.
func TestAPartialLeavesTheFlashForThePage(t *testing.T) {
	t.Parallel()
	b := signedIn(t, bo.Email)
	b.cookies[flashCookie] = &http.Cookie{Name: flashCookie, Value: "UmVmdW5kZWQu"} // "Refunded."
	req := httptest.NewRequest(http.MethodGet, "/console/mismatches?kind=disputed", nil)
	req.Header.Set("HX-Request", "true")
	partial, _ := b.send(t, req)
	require.Equal(t, http.StatusOK, partial.status)
	assert.Empty(t, byTestID(doc(t, partial.body), "flash"))
	page := doc(t, b.get(t, "/console/").body)
	assert.Equal(t, "Refunded.", text(one(t, page, "flash")), "shown on the next full page")
}

// TestConsoleNavHidesStaffFromSupport: the Staff link is for admins; a
// support login sees the rest of the navigation without it.
func TestConsoleNavHidesStaffFromSupport(t *testing.T) {
	t.Parallel()
	b := signedIn(t, bo.Email)
	res := b.get(t, "/console/")
	require.Equal(t, http.StatusOK, res.status)
	var labels []string
	for _, a := range elements(one(t, doc(t, res.body), "console-nav"), "a") {
		labels = append(labels, text(a))
	}
	assert.Equal(t, []string{"Dashboard", "Mismatches", "Customers", "Emails", "Templates", "Incidents", "Runs", "Audit log"}, labels)
}
