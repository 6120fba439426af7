package stripesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/backstophq/backstop/internal/loopback"
)

// raw sends a request with exactly the given headers (name, value pairs)
// and returns the status and body.
func (f *fixture) raw(t *testing.T, method, path, body string, headers ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	code, b, _ := read(t, resp, err)
	return code, b
}

func (f *fixture) chargeCount(t *testing.T) int {
	t.Helper()
	n := 0
	it := f.sc.Charges.List(&stripe.ChargeListParams{})
	for it.Next() {
		n++
	}
	require.NoError(t, it.Err())
	return n
}

// TestControlAPIRefusesBrowsersSimpleRequests: what a web page on another
// site can send without a CORS preflight (text/plain, a form, no-cors
// fetch) makes no payment.
func TestControlAPIRefusesBrowsersSimpleRequests(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	payment := `{"email":"victim@example.test","amount":24900,"currency":"usd"}`
	cases := []struct {
		name    string
		body    string
		headers []string
		want    int
	}{
		{"text/plain", payment, []string{"Content-Type", "text/plain;charset=UTF-8"}, http.StatusUnsupportedMediaType},
		{"form", "email=x", []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"multipart", "--b--", []string{"Content-Type", "multipart/form-data; boundary=b"}, http.StatusUnsupportedMediaType},
		{"no type", payment, nil, http.StatusUnsupportedMediaType},
		{"other origin", payment, []string{"Content-Type", "application/json", "Origin", "http://evil.example"}, http.StatusForbidden},
		{"null origin", payment, []string{"Content-Type", "application/json", "Origin", "null"}, http.StatusForbidden},
		{"cross-site", payment, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site", payment, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
	}
	for _, c := range cases {
		code, body := f.raw(t, http.MethodPost, "/_sim/payments", c.body, c.headers...)
		assert.Equal(t, c.want, code, "%s: %s", c.name, body)
		assert.Contains(t, body, `"type":"invalid_request_error"`, "%s: Stripe's error envelope", c.name)
	}
	code, _ := f.raw(t, http.MethodPost, "/_sim/reset", "", "Origin", "http://evil.example")
	assert.Equal(t, http.StatusForbidden, code, "a body-less post from another site")
	assert.Zero(t, f.chargeCount(t), "no refused request made a payment")

	// What its own callers send still works, and so does a page of its own.
	for _, headers := range [][]string{
		{"Content-Type", "application/json"},
		{"Content-Type", "application/json; charset=utf-8", "Origin", f.srv.URL, "Sec-Fetch-Site", "same-origin"},
	} {
		code, body := f.raw(t, http.MethodPost, "/_sim/payments", payment, headers...)
		assert.Equal(t, http.StatusOK, code, "%v: %s", headers, body)
	}
	code, body := f.raw(t, http.MethodPost, "/_sim/webhooks/retry", "")
	assert.Equal(t, http.StatusOK, code, "no body needs no type: %s", body)
	assert.Equal(t, 2, f.chargeCount(t))
}

// TestHostedPageStillPaysFromTheBrowser: the hosted page's form posts to
// /pay/{session}, same origin, as a browser sends it.
func TestHostedPageStillPaysFromTheBrowser(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{AllowedHosts: loopback.Hosts()})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_guard"))
	require.NoError(t, err)
	code, _ := f.raw(t, http.MethodPost, "/pay/"+cs.ID, url.Values{"card": {"4242 4242 4242 4242"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", f.srv.URL, "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusSeeOther, code, "paid, and sent on to success_url")
	got, err := f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusComplete, got.Status)
}

// TestSimAnswersOnlyAllowedHosts: with AllowedHosts, as dev sets them, a
// page rebinding evil.example to 127.0.0.1 reaches neither the control API
// nor the API; without them (a sim on a shared network) any Host is fine.
func TestSimAnswersOnlyAllowedHosts(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{AllowedHosts: loopback.Hosts("127.0.0.1:12111")})
	for _, path := range []string{"/_sim/stats", "/v1/charges"} {
		code, body := f.raw(t, http.MethodGet, path, "", "Host", "evil.example:12111", "Authorization", "Bearer "+testKey)
		assert.Equal(t, http.StatusMisdirectedRequest, code, "%s: %s", path, body)
		assert.Contains(t, body, "answers only on 127.0.0.1")
	}
	code, body := f.raw(t, http.MethodPost, "/_sim/payments", `{"amount":100}`,
		"Host", "evil.example:12111", "Content-Type", "application/json", "Origin", "http://evil.example:12111")
	assert.Equal(t, http.StatusMisdirectedRequest, code, "a rebound page is same-origin; the Host gives it away: %s", body)
	assert.Zero(t, f.chargeCount(t))
	for _, host := range []string{"localhost:12111", "[::1]:1", strings.TrimPrefix(f.srv.URL, "http://")} {
		code, _ := f.raw(t, http.MethodGet, "/_sim/stats", "", "Host", host)
		assert.Equal(t, http.StatusOK, code, host)
	}

	open := setup(t, Options{})
	code, _ = open.raw(t, http.MethodGet, "/_sim/stats", "", "Host", "sim.internal:12111")
	assert.Equal(t, http.StatusOK, code)
}
