package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

var refPattern = regexp.MustCompile(`^ERR-[0-9A-HJKMNP-TV-Z]{8}$`)

// A failing handler shows a reference that was stored with the full error,
// and the page shows none of the error's text.
func TestHandlerErrorShowsStoredReference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		headers []string
		partial bool
	}{
		{"full page", nil, false},
		{"htmx", hxRequest, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ta := setup(t)
			ta.plans.err = fmt.Errorf("list plans: %w", errSecret)

			res := ta.get(t, "/", tc.headers...)

			require.Equal(t, http.StatusInternalServerError, res.status)
			reports := ta.errors.all()
			require.Len(t, reports, 1)
			r := reports[0]
			assert.Regexp(t, refPattern, r.Ref)
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, "/", r.Route)
			assert.Equal(t, 500, r.Status)
			assert.Contains(t, r.Err, "db-7.internal", "the report keeps the full chain")
			assert.NotEmpty(t, r.RequestID)
			assert.WithinDuration(t, time.Now(), r.At, time.Minute)

			page := doc(t, res.body)
			assert.Equal(t, r.Ref, text(one(t, page, "error-ref")))
			assert.Contains(t, text(one(t, page, "money-safe")), "your money is safe")
			assert.Contains(t, attr(one(t, page, "support-link"), "href"), "mailto:help@acme.test?subject=")
			assert.Contains(t, attr(one(t, page, "support-link"), "href"), r.Ref)
			assert.Equal(t, "/status", attr(one(t, page, "status-link"), "href"))
			for _, secret := range []string{"db-7.internal", "hunter2", "pq:", "list plans"} {
				assert.NotContains(t, res.body, secret)
			}
			assert.Equal(t, tc.partial, !containsHTMLTag(res.body))
			if tc.partial {
				assert.Equal(t, "#main", res.header.Get("HX-Retarget"))
			}
		})
	}
}

func containsHTMLTag(body string) bool { return regexp.MustCompile(`(?i)<html`).MatchString(body) }

// A panic is an error page with 500, and the process keeps serving.
func TestPanicRendersErrorPageAndKeepsServing(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	ta.app.Get("/test/panic", func(c *fiber.Ctx) error { panic("kaboom: nil map in db-7.internal") })

	res := ta.get(t, "/test/panic")

	require.Equal(t, http.StatusInternalServerError, res.status)
	reports := ta.errors.all()
	require.Len(t, reports, 1)
	assert.Contains(t, reports[0].Err, "kaboom")
	assert.Equal(t, reports[0].Ref, text(one(t, doc(t, res.body), "error-ref")))
	assert.NotContains(t, res.body, "kaboom")

	next := ta.get(t, "/")
	assert.Equal(t, http.StatusOK, next.status)
	assert.Len(t, byTestID(doc(t, next.body), "plan"), 1)
}

// An unknown path is a calm "page not found" with no stored report: scanners
// must not be able to fill the table, and there is nothing to look up.
func TestUnknownRouteIsNotFoundWithoutReport(t *testing.T) {
	t.Parallel()
	ta := setup(t)

	res := ta.get(t, "/no/such/page?x=<script>")

	require.Equal(t, http.StatusNotFound, res.status)
	page := doc(t, res.body)
	assert.Equal(t, "Page not found", text(one(t, page, "error-title")))
	assert.Empty(t, ta.errors.all())
	assert.Empty(t, byTestID(page, "error-ref"))
	assert.Contains(t, ta.get(t, "/metrics").body, `backstop_error_pages_unrecorded_total{route="unmatched",status="404"} 1`)
	assert.Len(t, byTestID(page, "support-link"), 1, "the way to a person is still there")
	assert.NotContains(t, res.body, "Cannot GET", "fiber's own message is not shown")
	assert.NotContains(t, res.body, "<script>")
}

func TestWrongMethodKeepsFiberStatus(t *testing.T) {
	t.Parallel()
	ta := setup(t)

	res := ta.do(t, http.MethodPost, "/healthz")

	assert.Equal(t, http.StatusMethodNotAllowed, res.status)
	assert.Empty(t, ta.errors.all())
	assert.Empty(t, byTestID(doc(t, res.body), "error-ref"))
}

// Each apperr kind gets its status, and only the safe message is shown.
func TestErrorKindsMapToStatusAndSafeMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
		shown  string
	}{
		{apperr.Wrap(apperr.Invalid, "That email address does not look right.", errSecret), 400, "That email address does not look right."},
		{apperr.Wrap(apperr.NotFound, "We have no order with that reference.", errSecret), 404, "We have no order with that reference."},
		{apperr.Wrap(apperr.Conflict, "This order is already paid.", errSecret), 409, "This order is already paid."},
		{apperr.New(apperr.Forbidden, "Staff only."), 403, "Staff only."},
		{apperr.New(apperr.Unauthenticated, "Please sign in first."), 401, "Please sign in first."},
		{apperr.Wrap(apperr.Unavailable, "Payments are paused for a minute.", errSecret), 503, "Payments are paused for a minute."},
		{apperr.Wrap(apperr.Internal, "db exploded", errSecret), 500, "It was not your fault."},
		{fmt.Errorf("wrapped: %w", errSecret), 500, "It was not your fault."},
		{fiber.ErrTooManyRequests, 429, "Please go back and try again."},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			ta := setup(t)
			ta.app.Get("/test/fail", func(c *fiber.Ctx) error { return tc.err })

			res := ta.get(t, "/test/fail")

			assert.Equal(t, tc.status, res.status)
			assert.Contains(t, text(one(t, doc(t, res.body), "error-message")), tc.shown)
			assert.NotContains(t, res.body, "hunter2")
			assert.NotContains(t, res.body, "db exploded")
		})
	}
}

// When the report cannot be stored the customer still gets the page with
// a reference, and the log carries it instead.
func TestErrorPageRendersWhenReportNotStored(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	ta.errors.err = errors.New("database is down")
	ta.plans.err = errSecret

	res := ta.get(t, "/")

	assert.Equal(t, http.StatusInternalServerError, res.status)
	assert.Regexp(t, refPattern, text(one(t, doc(t, res.body), "error-ref")))
}

// A request that runs past its deadline reaches the core through
// c.UserContext() and ends as a calm 503.
func TestRequestTimeoutReachesUserContext(t *testing.T) {
	t.Parallel()
	ta := setup(t, func(d *Deps) { d.RequestTimeout = 50 * time.Millisecond })
	ta.app.Get("/test/slow", func(c *fiber.Ctx) error {
		select {
		case <-c.UserContext().Done():
			return fmt.Errorf("slow query: %w", c.UserContext().Err())
		case <-time.After(5 * time.Second):
			return c.SendString("too late")
		}
	})

	res := ta.get(t, "/test/slow")

	assert.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, res.body, "taking longer than it should")
	assert.Empty(t, ta.errors.all(), "busy is not something to investigate")
	assert.Contains(t, ta.get(t, "/metrics").body, `backstop_error_pages_unrecorded_total{route="/test/slow",status="503"} 1`)
}

// TestErrorsNeedingNoInvestigationAreCounted: bad input, unknown things,
// CSRF refusals and "busy" are counted by route and status, never stored a
// row each, and their page says no reference is needed instead of showing
// one that leads nowhere. A genuine failure keeps its stored reference
// (TestHandlerErrorShowsStoredReference).
func TestErrorsNeedingNoInvestigationAreCounted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
	}{
		{apperr.New(apperr.Invalid, "That does not look right."), 400},
		{apperr.New(apperr.NotFound, "We could not find that checkout."), 404},
		{errCSRF, 403},
		{apperr.New(apperr.Unauthenticated, "Please sign in first."), 401},
		{apperr.New(apperr.Conflict, "Already done."), 409},
		{apperr.New(apperr.Unavailable, "Payments are paused for a minute."), 503},
	} {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			ta := setup(t)
			ta.app.Get("/test/refuse/:id", func(c *fiber.Ctx) error { return tc.err })
			for i := range 20 {
				res := ta.get(t, fmt.Sprintf("/test/refuse/%d", i))
				require.Equal(t, tc.status, res.status)
				page := doc(t, res.body)
				assert.Empty(t, byTestID(page, "error-ref"))
				one(t, page, "no-ref")
			}
			assert.Empty(t, ta.errors.all())
			assert.Contains(t, ta.get(t, "/metrics").body,
				fmt.Sprintf(`backstop_error_pages_unrecorded_total{route="/test/refuse/:id",status="%d"} 20`, tc.status))
		})
	}
}

func TestSetOrderIDReachesReport(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	ta.app.Get("/test/order", func(c *fiber.Ctx) error {
		setOrderID(c, 42)
		return errSecret
	})

	ta.get(t, "/test/order")

	reports := ta.errors.all()
	require.Len(t, reports, 1)
	require.NotNil(t, reports[0].OrderID)
	assert.Equal(t, int64(42), *reports[0].OrderID)
}

func TestNewRefIsCrockfordAndVaries(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		r := newRef()
		require.Regexp(t, refPattern, r)
		seen[r] = true
	}
	assert.Len(t, seen, 1000)
}

// 5xx are logged with the reference, the route pattern and the chain; the
// log is where operators see what the page hides.
func TestServerErrorIsLoggedWithRefRouteAndChain(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	ta := setup(t, func(d *Deps) { d.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	ta.app.Get("/test/items/:id", func(c *fiber.Ctx) error { return errSecret })

	ta.get(t, "/test/items/7")

	reports := ta.errors.all()
	require.Len(t, reports, 1)
	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
	assert.Equal(t, "ERROR", line["level"])
	assert.Equal(t, reports[0].Ref, line["ref"])
	assert.Equal(t, "/test/items/:id", line["route"])
	assert.Equal(t, "/test/items/7", line["path"])
	assert.Contains(t, line["err"], "db-7.internal")
}

type waitHint struct{ d time.Duration }

func (w waitHint) Error() string             { return "rate budget used up" }
func (w waitHint) RetryAfter() time.Duration { return w.d }

// A 503 says when to come back: what the error knows (the processor's rate
// budget), rounded up to whole seconds, else 5 s. Other statuses say nothing.
func TestBusyAnswersCarryRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apperr.Wrap(apperr.Unavailable, "Busy.", waitHint{2100 * time.Millisecond}), "3"},
		{apperr.New(apperr.Unavailable, "Busy."), "5"},
		{apperr.New(apperr.NotFound, "Gone."), ""},
		{errSecret, ""},
	} {
		ta := setup(t)
		ta.app.Get("/test/busy", func(c *fiber.Ctx) error { return tc.err })
		res := ta.get(t, "/test/busy")
		assert.Equal(t, tc.want, res.header.Get("Retry-After"), "%v", tc.err)
	}
}
