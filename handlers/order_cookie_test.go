package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

const priorRef = "7KQ2-M9XA-4TZP-HC3B"

// fakeCheckout answers like the billing service would for one order, and
// records the forms it was given.
type fakeCheckout struct {
	mu       sync.Mutex
	prior    billing.Prior
	priorErr error
	forms    []billing.CheckoutForm
	asked    []string
}

func (f *fakeCheckout) StartCheckout(ctx context.Context, form billing.CheckoutForm) (billing.Order, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.forms = append(f.forms, form)
	return billing.Order{ID: 1, PublicRef: "NEW0-0000-0000-0001"}, "https://pay.example.test/cs_1", nil
}

func (f *fakeCheckout) PriorOrder(ctx context.Context, ref string) (billing.Prior, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, ref)
	return f.prior, f.priorErr
}

func (f *fakeCheckout) ReturnFromCheckout(ctx context.Context, sessionID string) (billing.Order, error) {
	return billing.Order{}, apperr.New(apperr.NotFound, "no")
}

func (f *fakeCheckout) OrderStatus(ctx context.Context, ref string) (billing.OrderStatus, error) {
	if ref != f.prior.Order.PublicRef {
		return billing.OrderStatus{}, apperr.New(apperr.NotFound, "no")
	}
	return billing.OrderStatus{Order: f.prior.Order, Plan: proYearly}, nil
}

func setupGuard(t *testing.T, baseURL string, prior billing.Prior) (*testApp, *fakeCheckout) {
	t.Helper()
	co := &fakeCheckout{prior: prior}
	ta := setup(t, func(d *Deps) { d.Checkout, d.BaseURL = co, baseURL })
	return ta, co
}

func postCheckout(t *testing.T, ta *testApp, form url.Values, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/checkout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ta.app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	return response{status: res.StatusCode, header: res.Header}
}

func orderOf(status string) billing.Order {
	paid := time.Date(2026, 3, 3, 10, 2, 0, 0, time.UTC)
	return billing.Order{ID: 7, PublicRef: priorRef, Email: "jane@example.test", PlanCode: proYearly.Code,
		Amount: 24900, Currency: "usd", Status: status, PaidAt: &paid, CreatedAt: paid.Add(-time.Minute)}
}

// TestOrderCookieFlags: POST /checkout names its order in an HttpOnly,
// SameSite=Lax cookie for 24 hours on the whole site, Secure when the app
// is served over HTTPS.
func TestOrderCookieFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		baseURL string
		secure  bool
	}{{"http://127.0.0.1:8080", false}, {"https://pay.example.test", true}} {
		ta, _ := setupGuard(t, tc.baseURL, billing.Prior{})
		res := postCheckout(t, ta, url.Values{"email": {"a@example.test"}, "plan": {"pro-yearly"}, "form_token": {"t"}})
		require.Equal(t, http.StatusSeeOther, res.status)
		c := res.header.Get("Set-Cookie")
		assert.Contains(t, c, orderCookieName+"=NEW0-0000-0000-0001;")
		for _, flag := range []string{"max-age=86400", "path=/", "HttpOnly", "SameSite=Lax"} {
			assert.Contains(t, c, flag, tc.baseURL)
		}
		assert.Equal(t, tc.secure, strings.Contains(c, "secure"), "%s: %s", tc.baseURL, c)
	}
}

// TestPricingSendsReturningBrowserToItsOrder: a cookie naming an order that
// blocks a new payment gets a 303 (HX-Redirect for htmx) to its status
// page; one that does not block gets the pricing page and the cookie
// cleared; a processor that does not answer still gets the pricing page;
// ?again=1 is not checked at all and its forms post again=1.
func TestPricingSendsReturningBrowserToItsOrder(t *testing.T) {
	t.Parallel()
	cookie := []string{"Cookie", orderCookieName + "=" + priorRef}
	served := billing.Prior{Order: orderOf(billing.StatusFulfilled), State: billing.PriorServed}

	ta, co := setupGuard(t, "", served)
	res := ta.get(t, "/", cookie...)
	require.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/status/"+priorRef+"?back=1", res.header.Get("Location"))
	res = ta.get(t, "/", append(cookie, hxBoosted...)...)
	assert.Equal(t, "/status/"+priorRef+"?back=1", res.header.Get("HX-Redirect"))
	assert.Equal(t, []string{priorRef, priorRef}, co.asked)

	res = ta.get(t, "/?again=1", cookie...)
	require.Equal(t, http.StatusOK, res.status)
	assert.Len(t, co.asked, 2, "a deliberate second purchase is not checked")
	assert.Equal(t, "1", hiddenValue(t, one(t, doc(t, res.body), "checkout-form"), "again"))
	assert.NotEmpty(t, byTestID(doc(t, res.body), "again-notice"))

	open := billing.Prior{Order: orderOf(billing.StatusPending), State: billing.PriorOpen, PayURL: "https://pay.example.test/cs_1"}
	ta, _ = setupGuard(t, "", open)
	assert.Equal(t, http.StatusSeeOther, ta.get(t, "/", cookie...).status)
	assert.Equal(t, http.StatusOK, ta.get(t, "/?canceled="+priorRef, cookie...).status, "left the payment page on purpose")

	ta, _ = setupGuard(t, "", billing.Prior{})
	res = ta.get(t, "/", cookie...)
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.header.Get("Set-Cookie"), orderCookieName+"=;", "nothing to come back to: cookie cleared")

	ta, co = setupGuard(t, "", billing.Prior{})
	co.priorErr = apperr.Wrap(apperr.Unavailable, "processor down", errors.New("timeout"))
	res = ta.get(t, "/", cookie...)
	require.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, ta.errors.all(), "the pricing page still works")
}

// TestPricingAlwaysLinksToStatus: every pricing page offers a calm way to
// check an earlier purchase.
func TestPricingAlwaysLinksToStatus(t *testing.T) {
	t.Parallel()
	ta, _ := setupGuard(t, "", billing.Prior{})
	help := one(t, doc(t, ta.get(t, "/").body), "status-help")
	assert.Equal(t, "Already bought? Check your purchase status.", text(help))
	assert.Equal(t, "/status", attr(elements(help, "a")[0], "href"))
}

// TestCheckoutPassesCookieUnlessAgain: the cookie's reference reaches the
// core, except on a deliberate second purchase.
func TestCheckoutPassesCookieUnlessAgain(t *testing.T) {
	t.Parallel()
	ta, co := setupGuard(t, "", billing.Prior{})
	form := url.Values{"email": {"a@example.test"}, "plan": {"pro-yearly"}, "form_token": {"t"}}
	postCheckout(t, ta, form, "Cookie", orderCookieName+"="+priorRef)
	form.Set("again", "1")
	postCheckout(t, ta, form, "Cookie", orderCookieName+"="+priorRef)
	require.Len(t, co.forms, 2)
	assert.Equal(t, priorRef, co.forms[0].PriorRef)
	assert.Empty(t, co.forms[1].PriorRef)
}

// TestStatusPageForReturningBrowser: with ?back=1 an open checkout shows
// "continue to payment" with the processor's page, and a paid one says it
// was already paid and when, as a page and as the htmx partial.
func TestStatusPageForReturningBrowser(t *testing.T) {
	t.Parallel()
	open := billing.Prior{Order: orderOf(billing.StatusPending), State: billing.PriorOpen, PayURL: "https://pay.example.test/cs_1"}
	ta, _ := setupGuard(t, "", open)
	for _, hx := range [][]string{nil, hxRequest} {
		res := ta.get(t, "/status/"+priorRef+"?back=1", hx...)
		require.Equal(t, http.StatusOK, res.status)
		page := doc(t, res.body)
		assert.Equal(t, "open", attr(one(t, page, "status"), "data-stage"))
		assert.Equal(t, "Your checkout is still open", text(one(t, page, "status-title")))
		assert.Equal(t, "https://pay.example.test/cs_1", attr(one(t, page, "status-continue"), "href"))
		assert.Equal(t, "/?again=1", attr(one(t, page, "status-start-again"), "href"))
		assert.Contains(t, text(one(t, page, "status")), "Nothing has been charged yet.")
		assert.False(t, hasAttr(one(t, page, "status"), "hx-trigger"), "an open checkout does not poll")
	}
	page := doc(t, ta.get(t, "/status/"+priorRef).body)
	assert.Equal(t, "waiting", attr(one(t, page, "status"), "data-stage"), "without back=1 nobody asks the processor")

	ready := orderOf(billing.StatusFulfilled)
	ta, _ = setupGuard(t, "", billing.Prior{Order: ready, State: billing.PriorServed})
	page = doc(t, ta.get(t, "/status/"+priorRef+"?back=1").body)
	assert.Contains(t, text(one(t, page, "status-already-paid")),
		"You already paid for Pro at 10:02 UTC on 3 March 2026. There is no need to pay again.")
	assert.Equal(t, "Your account is ready", text(one(t, page, "status-title")))
}
