package cli

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

func (s *testStack) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.app.Test(req, -1)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func checkoutRequest(email, plan, token string, htmx bool) *http.Request {
	form := url.Values{"email": {email}, "plan": {plan}, "form_token": {token}}
	req := httptest.NewRequest(http.MethodPost, "/checkout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

// TestCheckoutRefusesBadForms: each bad form comes back with 422 and the
// reason beside the field, as a page or as the form's htmx partial, and
// nothing is written or sent to the processor.
func TestCheckoutRefusesBadForms(t *testing.T) {
	s := newTestStack(t)
	token := formToken()
	cases := []struct{ name, email, plan, token, want string }{
		{"no email", "", "pro-yearly", token, "Please enter your email address."},
		{"bad email", "not-an-email", "pro-yearly", token, "That does not look like an email address."},
		{"unknown plan", "a@example.test", "gold-forever", token, "That plan is not available."},
		{"no form token", "a@example.test", "pro-yearly", "", "This form has expired."},
	}
	for _, tc := range cases {
		for _, htmx := range []bool{false, true} {
			resp, body := s.do(t, checkoutRequest(tc.email, tc.plan, tc.token, htmx))
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.name)
			require.Contains(t, body, tc.want, tc.name)
			require.Equal(t, !htmx, strings.Contains(body, "<html"), "%s: full page only without htmx", tc.name)
		}
	}
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders`))
	require.Empty(t, s.simList(t, "checkout/sessions"))
}

// TestCheckoutDoubleSubmit: the same form posted twice (a double click, a
// resubmit) gives one order and one processor session.
func TestCheckoutDoubleSubmit(t *testing.T) {
	s := newTestStack(t)
	token := formToken()
	var locations []string
	for range 2 {
		resp, _ := s.do(t, checkoutRequest("Twice@Example.test", "pro-yearly", token, false))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		locations = append(locations, resp.Header.Get("Location"))
	}
	require.Equal(t, locations[0], locations[1])
	require.Contains(t, locations[0], "/pay/cs_")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE checkout_session_id IS NOT NULL`))
	require.Len(t, s.simList(t, "checkout/sessions"), 1)

	resp, _ := s.do(t, checkoutRequest("b@example.test", "pro-yearly", formToken(), true))
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Contains(t, resp.Header.Get("HX-Redirect"), "/pay/cs_", "htmx follows HX-Redirect")
}

// TestCheckoutFormReusedWithAnotherEmail: one form posted with a mistyped
// email, then (back from the payment page, in the same browser, so with the
// order cookie) with the corrected one, starts a fresh order whose payment
// page carries the corrected address; the same for another plan. A form
// whose earlier order is already paid sends any later submit to that
// order's status page instead, even without the cookie.
func TestCheckoutFormReusedWithAnotherEmail(t *testing.T) {
	s := newTestStack(t)
	monthly := billing.Plan{Code: "pro-monthly", Name: "Pro (monthly)", Amount: 2900, Currency: "usd", Interval: "month", Active: true}
	require.NoError(t, s.store.UpsertPlan(context.Background(), monthly))
	b := s.browser()
	post := func(email, plan, token string) string {
		resp, _ := b.send(t, checkoutRequest(email, plan, token, false))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		return resp.Header.Get("Location")
	}
	token := formToken()
	typo := post("jane@exmaple.test", "pro-yearly", token)
	fixed := post("jane@example.test", "pro-yearly", token)
	require.NotEqual(t, typo, fixed, "a fresh order, not the stale address's payment page")
	other := post("jane@example.test", monthly.Code, token)
	require.NotContains(t, []string{typo, fixed}, other)

	sessions := map[string]map[string]any{}
	for _, cs := range s.simList(t, "checkout/sessions") {
		sessions[cs["id"].(string)] = cs
	}
	require.Len(t, sessions, 3)
	require.Equal(t, "jane@exmaple.test", sessions[sessionOf(t, typo)]["customer_email"])
	require.Equal(t, "jane@example.test", sessions[sessionOf(t, fixed)]["customer_email"])
	require.EqualValues(t, 24900, sessions[sessionOf(t, fixed)]["amount_total"])
	require.EqualValues(t, 2900, sessions[sessionOf(t, other)]["amount_total"])
	require.Equal(t, fixed, post("Jane@Example.test", "pro-yearly", token), "a double submit is still one order")

	// The form's first order was paid, then the form is posted again with
	// another address, from a browser that kept no cookie.
	token = formToken()
	session := sessionOf(t, post("sam@exmaple.test", "pro-yearly", token))
	s.pay(t, session)
	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)
	paid := s.orderByRef(t, s.refOfSession(t, session))
	b.cookie = ""
	require.Equal(t, "/status/"+paid.PublicRef+"?back=1", post("sam@example.test", "pro-yearly", token), "paid already: never a second payment page")
	require.Len(t, s.simList(t, "checkout/sessions"), 4)
}

// refOfSession is the public reference of the order with a checkout session.
func (s *testStack) refOfSession(t *testing.T, session string) string {
	t.Helper()
	var ref string
	require.NoError(t, s.store.DB().Get(&ref, `SELECT public_ref FROM orders WHERE checkout_session_id = $1`, session))
	return ref
}

// sessionOf is the session id at the end of a payment page's URL.
func sessionOf(t *testing.T, payURL string) string {
	t.Helper()
	require.Contains(t, payURL, "/pay/cs_")
	return payURL[strings.LastIndex(payURL, "/")+1:]
}

func (s *testStack) pay(t *testing.T, session string) {
	t.Helper()
	s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242"}`)
}

// TestReturnPageFulfils: the customer comes back from paying; the page asks
// the processor, serves the order and says so.
func TestReturnPageFulfils(t *testing.T) {
	s := newTestStack(t)
	order, session := s.paidOrder(t, "back@example.test")
	resp, body := s.do(t, httptest.NewRequest(http.MethodGet, "/checkout/return?session_id="+session, nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "Your account is ready")
	require.Contains(t, body, order.PublicRef)
	got := s.orderByRef(t, order.PublicRef)
	require.Equal(t, billing.StatusFulfilled, got.Status)
	require.Equal(t, string(billing.ViaReturnPage), got.FulfilledVia)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE order_id = $1 AND template = 'order_confirmation'`, order.ID))
}

// TestReturnPageNeverTrustsTheQuery: an unpaid session shows the waiting
// page and grants nothing; an unknown session id is an error page.
func TestReturnPageNeverTrustsTheQuery(t *testing.T) {
	s := newTestStack(t)
	_, payURL, err := s.billing.StartCheckout(context.Background(), billing.CheckoutForm{
		Email: "unpaid@example.test", PlanCode: "pro-yearly", FormToken: formToken(),
	})
	require.NoError(t, err)
	session := payURL[strings.LastIndex(payURL, "/")+1:]
	resp, body := s.do(t, httptest.NewRequest(http.MethodGet, "/checkout/return?session_id="+session, nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "We are confirming your payment")

	resp, body = s.do(t, httptest.NewRequest(http.MethodGet, "/checkout/return?session_id=cs_test_forged", nil))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, body, "your money is safe")
	require.Contains(t, body, "We could not find that checkout.")
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders WHERE status <> 'pending'`))
	require.Zero(t, s.count(t, `SELECT count(*) FROM entitlement_grants`))
}

var refPattern = regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)

// TestStatusPage: a pending order and an unknown reference render the same
// page (references cannot be probed), polling with a growing delay; once
// fulfilled the page stops polling and shows the plan and its end.
func TestStatusPage(t *testing.T) {
	s := newTestStack(t)
	order, session := s.paidOrder(t, "status@example.test")
	get := func(path string, htmx bool) (int, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if htmx {
			req.Header.Set("HX-Request", "true")
		}
		resp, body := s.do(t, req)
		return resp.StatusCode, body
	}
	code, pending := get("/status/"+order.PublicRef, false)
	require.Equal(t, http.StatusOK, code)
	code, unknown := get("/status/ZZZZ-ZZZZ-ZZZZ-ZZZZ", false)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, refPattern.ReplaceAllString(pending, "REF"), refPattern.ReplaceAllString(unknown, "REF"))
	require.Contains(t, pending, `hx-trigger="load delay:2s"`)

	_, later := get("/status/"+order.PublicRef+"?poll=3", true)
	require.NotContains(t, later, "<html", "htmx gets the panel only")
	require.Contains(t, later, `hx-trigger="load delay:8s"`, "the delay grows")

	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)
	_, ready := get("/status/"+order.PublicRef, true)
	require.Contains(t, ready, "Your account is ready")
	require.Contains(t, ready, "Pro (yearly)")
	require.NotContains(t, ready, "hx-trigger", "no polling once ready")
}

// TestMissingOrderRebuiltFromMetadata is the seed's literal case: the
// payment went through but the order row is gone. The webhook rebuilds it
// from the processor's metadata and serves the customer once.
func TestMissingOrderRebuiltFromMetadata(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "lost@example.test")
	_, err := s.store.DB().Exec(`DELETE FROM orders WHERE id = $1`, order.ID)
	require.NoError(t, err)
	resp, err := s.app.Test(signed(s.event(t, "checkout.session.completed"), testSecret, timeNow()), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rebuilt := s.orderByRef(t, order.PublicRef)
	require.NotEqual(t, order.ID, rebuilt.ID)
	require.Equal(t, billing.StatusFulfilled, rebuilt.Status)
	require.Equal(t, "lost@example.test", rebuilt.Email)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'rebuilt'`, rebuilt.ID))
	s.requireOneEffect(t, rebuilt.ID)
}

// TestRestoredDatabaseReusedOrderID: after a restore from an older backup,
// the lost order's id was handed to another customer's order. The payment
// must rebuild its own order by reference, never serve the stranger's.
func TestRestoredDatabaseReusedOrderID(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "payer@example.test")
	db := s.store.DB()
	_, err := db.Exec(`DELETE FROM orders WHERE id = $1`, order.ID)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO orders (id, public_ref, email, plan_code, amount, currency, idempotency_key)
		VALUES ($1, 'STRA-NGER-0000-0000', 'stranger@example.test', 'pro-yearly', 24900, 'usd', 'form:stranger')`, order.ID)
	require.NoError(t, err)

	resp, err := s.app.Test(signed(s.event(t, "checkout.session.completed"), testSecret, timeNow()), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, billing.StatusPending, s.orderByRef(t, "STRA-NGER-0000-0000").Status, "the stranger's order is untouched")
	rebuilt := s.orderByRef(t, order.PublicRef)
	require.Equal(t, "payer@example.test", rebuilt.Email)
	require.Equal(t, billing.StatusFulfilled, rebuilt.Status)
}
