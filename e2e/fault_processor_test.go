package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFaultProcessorErrorsAndSlowness: the processor answers every call
// with a 500, then answers slowly, then recovers. A customer checking out
// meanwhile sees a calm page with Try again; /readyz reports the
// processor's trouble and then recovers; the customer's Try again after
// the outage reuses the order already written and pays once; ops get one
// alert and one recovery notice; the checker finds nothing.
func TestFaultProcessorErrorsAndSlowness(t *testing.T) {
	t.Parallel()
	start := time.Now()
	w := faultWorld(t, worldOptions{})
	w.startApp("")
	w.buy("before-" + randHex(3) + "@example.test")
	w.waitCalm(30 * time.Second)

	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"api_error_rate": 1.0}, nil)
	email, token := "during-"+randHex(3)+"@example.test", formToken()
	code, body := w.postCheckout(email, token)
	t.Logf("checkout while the processor fails: %d", code)
	require.NotEqual(t, http.StatusSeeOther, code, "no payment page without a session")
	requireCalmPage(t, code, body)
	require.Contains(t, body, `data-testid="retry"`, "the customer can try again")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE email = $1`, email), "the order is written before money moves")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'pending' AND checkout_session_id IS NULL`, email))
	t.Logf("/readyz while the processor fails: %s", w.waitReadyz(30*time.Second, "trouble: the payment processor: "))
	w.waitReadyz(30*time.Second, "alert: the payment processor: ")

	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"api_error_rate": 0.0, "api_latency_ms": 3500}, nil)
	slow := "slow-" + randHex(3) + "@example.test"
	code, body = w.postCheckout(slow, formToken())
	t.Logf("checkout while the processor is slow: %d", code)
	if code != http.StatusSeeOther {
		requireCalmPage(t, code, body)
	}
	t.Logf("/readyz while the processor is slow: %s", w.waitReadyz(30*time.Second, "answered after"))

	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"api_latency_ms": 0}, nil)
	w.waitCalm(60 * time.Second)
	// Try again: the same form, the same order, one payment.
	resp, err := w.noRedirect.PostForm(w.appURL("/checkout"), url.Values{"email": {email}, "plan": {"pro-yearly"}, "form_token": {token}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	ret, err := w.noRedirect.Get(w.pay(loc[strings.LastIndex(loc, "/")+1:]))
	if err == nil {
		ret.Body.Close()
	}
	require.NoError(t, err)
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE email = $1`, email), "Try again reuses the order")
	w.eventually(30*time.Second, "the retried order is served", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled'`, email) == 1
	})
	paid := 0
	for _, cs := range w.simList("checkout/sessions") {
		if cs["customer_email"] == email && cs["payment_status"] == "paid" {
			paid++
		}
	}
	require.Equal(t, 1, paid, "one charge for the customer who tried again")

	w.requireOneAlertAndRecovery(60*time.Second, "the payment processor")
	w.finishClean(60 * time.Second)
	t.Logf("wall time %s", time.Since(start).Round(time.Second))
}

// postCheckout posts the pricing form and returns the status and page.
func (w *world) postCheckout(email, token string) (int, string) {
	w.t.Helper()
	form := url.Values{"email": {email}, "plan": {"pro-yearly"}, "form_token": {token}}
	resp, err := w.noRedirect.PostForm(w.appURL("/checkout"), form)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
