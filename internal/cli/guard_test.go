package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// These tests drive DESIGN section 5, step 0 (no second charge by mistake)
// through the whole stack: the Fiber app, the billing service, the
// database and the simulator over HTTP.

// browser keeps the order cookie between requests, as a browser does.
type browser struct {
	s      *testStack
	cookie string
}

func (s *testStack) browser() *browser { return &browser{s: s} }

func (b *browser) send(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	if b.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "backstop_order", Value: b.cookie})
	}
	resp, body := b.s.do(t, req)
	for _, c := range resp.Cookies() {
		if c.Name == "backstop_order" {
			b.cookie = c.Value // empty when cleared
		}
	}
	return resp, body
}

func (b *browser) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return b.send(t, httptest.NewRequest(http.MethodGet, path, nil))
}

func (b *browser) checkout(t *testing.T, email, token string) *http.Response {
	t.Helper()
	resp, _ := b.send(t, checkoutRequest(email, "pro-yearly", token, false))
	return resp
}

// TestGuardPaidOrderTakesBrowserToItsStatus is the seed's customer: paid,
// saw a blank page (nothing served yet), came back. GET / and POST /checkout
// for the plan (with any email, as a page or with htmx) land on the order's
// status page, served on the spot after asking the processor, and the
// processor never gets a second session.
func TestGuardPaidOrderTakesBrowserToItsStatus(t *testing.T) {
	s := newTestStack(t)
	b := s.browser()
	resp := b.checkout(t, "seed@example.test", formToken())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	s.pay(t, sessionOf(t, resp.Header.Get("Location")))
	ref := b.cookie
	require.Equal(t, billing.StatusPending, s.orderByRef(t, ref).Status, "paid, not served: the process died")

	resp, _ = b.get(t, "/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/status/"+ref+"?back=1", resp.Header.Get("Location"))
	served := s.orderByRef(t, ref)
	require.Equal(t, billing.StatusFulfilled, served.Status, "served on the spot")
	require.Equal(t, string(billing.ViaReturnPage), served.FulfilledVia)

	_, page := b.get(t, resp.Header.Get("Location"))
	require.Contains(t, page, "You already paid for Pro (yearly) at ")
	require.Contains(t, page, "Your account is ready")

	for _, email := range []string{"seed@example.test", "seed@example.test.typo"} {
		resp = b.checkout(t, email, formToken())
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, email)
		require.Equal(t, "/status/"+ref+"?back=1", resp.Header.Get("Location"), email)
	}
	resp, _ = b.send(t, checkoutRequest("seed@example.test", "pro-yearly", formToken(), true))
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "/status/"+ref+"?back=1", resp.Header.Get("HX-Redirect"))

	require.Len(t, s.simList(t, "checkout/sessions"), 1, "no second session at the processor")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders`))
	s.requireOneEffect(t, served.ID)
}

// TestGuardOpenCheckoutOffersItsPaymentPage: an unpaid checkout still open
// at the processor sends the browser to its status page, which links to the
// same payment page; a double submit of the form goes straight back to it; a
// corrected email, the processor's cancel link and a deliberate "start a new
// purchase" are not held back.
func TestGuardOpenCheckoutOffersItsPaymentPage(t *testing.T) {
	s := newTestStack(t)
	b := s.browser()
	token := formToken()
	payURL := b.checkout(t, "open@example.test", token).Header.Get("Location")
	ref := b.cookie

	resp, _ := b.get(t, "/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/status/"+ref+"?back=1", resp.Header.Get("Location"))
	_, page := b.get(t, "/status/"+ref+"?back=1")
	require.Contains(t, page, `data-stage="open"`)
	require.Contains(t, page, `href="`+payURL+`" data-testid="status-continue"`)
	require.Contains(t, page, "Nothing has been charged yet.")

	resp = b.checkout(t, "Open@Example.test", formToken())
	require.Equal(t, "/status/"+ref+"?back=1", resp.Header.Get("Location"), "same address, new form: its status page")
	resp = b.checkout(t, "open@example.test", token)
	require.Equal(t, payURL, resp.Header.Get("Location"), "double submit: the same payment page")
	require.Len(t, s.simList(t, "checkout/sessions"), 1)

	resp, _ = b.get(t, "/?canceled="+ref)
	require.Equal(t, http.StatusOK, resp.StatusCode, "back from the processor's cancel link: the pricing page")
	resp, body := b.get(t, "/?again=1")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `name="again" value="1"`)
	again := url.Values{"email": {"open@example.test"}, "plan": {"pro-yearly"}, "form_token": {formToken()}, "again": {"1"}}
	req := httptest.NewRequest(http.MethodPost, "/checkout", strings.NewReader(again.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = b.send(t, req)
	require.NotEqual(t, payURL, resp.Header.Get("Location"))
	sessionOf(t, resp.Header.Get("Location"))
	require.Len(t, s.simList(t, "checkout/sessions"), 2, "a second purchase on purpose")
}

// TestGuardExpiredCheckoutDoesNotBlock: a checkout the processor expired
// charged nothing, so the pricing page and a new checkout work as for a
// new customer, and the cookie is dropped.
func TestGuardExpiredCheckoutDoesNotBlock(t *testing.T) {
	s := newTestStack(t)
	b := s.browser()
	session := sessionOf(t, b.checkout(t, "late@example.test", formToken()).Header.Get("Location"))
	s.simAPI(t, http.MethodPost, "/v1/checkout/sessions/"+session+"/expire")

	resp, body := b.get(t, "/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-testid="checkout-form"`)
	require.Empty(t, b.cookie, "nothing to come back to")

	b.cookie = s.onlyRef(t) // as if the cookie had stayed
	resp = b.checkout(t, "late@example.test", formToken())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotEqual(t, session, sessionOf(t, resp.Header.Get("Location")))
	require.Len(t, s.simList(t, "checkout/sessions"), 2)
}

// TestGuardIgnoresForgedCookies: a cookie that names no order, or is not a
// reference at all, is ignored without an error.
func TestGuardIgnoresForgedCookies(t *testing.T) {
	s := newTestStack(t)
	for _, forged := range []string{"ZZZZ-ZZZZ-ZZZZ-ZZZZ", "7kq2-m9xa-4tzp-hc3b", "not a ref", "' OR 1=1 --", strings.Repeat("A", 300)} {
		b := &browser{s: s, cookie: forged}
		resp, body := b.get(t, "/")
		require.Equal(t, http.StatusOK, resp.StatusCode, forged)
		require.Contains(t, body, `data-testid="checkout-form"`, forged)
		b.cookie = forged
		resp = b.checkout(t, "forged@example.test", formToken())
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, forged)
		sessionOf(t, resp.Header.Get("Location"))
	}
	require.Zero(t, s.count(t, `SELECT count(*) FROM error_reports`))
}

// TestGuardProcessorDownRefusesNewPaymentPage: when the processor cannot
// say whether the browser's open checkout was paid, the pricing page still
// shows, but no new payment page is made: the error page says the money is
// safe, and nothing is written.
func TestGuardProcessorDownRefusesNewPaymentPage(t *testing.T) {
	s := newTestStack(t)
	b := s.browser()
	b.checkout(t, "down@example.test", formToken())
	s.sim.Close()

	resp, body := b.get(t, "/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-testid="checkout-form"`)
	resp = b.checkout(t, "down@example.test", formToken())
	require.GreaterOrEqual(t, resp.StatusCode, 500)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders`), "no second order")
}

// simAPI calls the simulator's Stripe API with the stack's key.
func (s *testStack) simAPI(t *testing.T, method, path string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, s.sim.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, "%s %s", method, path)
}

// onlyRef is the public reference of the stack's one order.
func (s *testStack) onlyRef(t *testing.T) string {
	t.Helper()
	var ref string
	require.NoError(t, s.store.DB().Get(&ref, `SELECT public_ref FROM orders`))
	return ref
}
