package stripesim

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

// get fetches a page.
func get(t *testing.T, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(u)
	return read(t, resp, err)
}

// post submits a form as a browser would, but stops at the redirect so the
// test can see it.
func post(t *testing.T, u string, form url.Values) (int, string, http.Header) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(u, form)
	return read(t, resp, err)
}

func read(t *testing.T, resp *http.Response, err error) (int, string, http.Header) {
	t.Helper()
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestHostedPage(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_h"))
	require.NoError(t, err)

	code, body, hdr := get(t, cs.URL)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, hdr.Get("Content-Type"), "text/html")
	for _, want := range []string{"$30.00", "Widget", "buyer@example.test", `value="4242 4242 4242 4242"`,
		"4000 0000 0000 0002", `action="/pay/` + cs.ID + `"`, `name="viewport"`} {
		assert.Contains(t, body, want)
	}

	code, body, _ = post(t, cs.URL, url.Values{"card": {"4000 0000 0000 0002"}})
	assert.Equal(t, http.StatusPaymentRequired, code)
	assert.Contains(t, body, "Your card was declined.")
	got, err := f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusOpen, got.Status)

	code, _, hdr = post(t, cs.URL, url.Values{"card": {"4242424242424242"}})
	assert.Equal(t, http.StatusSeeOther, code)
	assert.Equal(t, "https://shop.test/ok?session_id="+cs.ID, hdr.Get("Location"))
	got, err = f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionPaymentStatusPaid, got.PaymentStatus)

	_, body, _ = get(t, cs.URL)
	assert.Contains(t, body, "already paid")
	assert.NotContains(t, body, "<form")
}

func TestHostedPageOfExpiredAndUnknownSessions(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	p := sessionParams("order_x")
	p.CustomerEmail = nil
	cs, err := f.sc.CheckoutSessions.New(p)
	require.NoError(t, err)
	_, body, _ := get(t, cs.URL)
	assert.Contains(t, body, `name="email"`, "asks for the email the session lacks")

	_, err = f.sc.CheckoutSessions.Expire(cs.ID, nil)
	require.NoError(t, err)
	code, body, _ := get(t, f.srv.URL+"/pay/"+cs.ID)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "expired")
	assert.NotContains(t, body, "<form")

	code, _, _ = post(t, f.srv.URL+"/pay/"+cs.ID, url.Values{"card": {"4242424242424242"}})
	assert.Equal(t, http.StatusOK, code, "an expired session cannot be paid from the page")

	code, _, _ = get(t, f.srv.URL+"/pay/cs_test_nope")
	assert.Equal(t, http.StatusNotFound, code)
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(strings.TrimSpace(s)), 0o600) }
