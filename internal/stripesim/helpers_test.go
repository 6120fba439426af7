package stripesim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"
)

const (
	testKey    = "sk_test_backstop"
	testSecret = "whsec_test_secret"
)

// fixture is one simulator behind a real HTTP server, with a stripe-go
// client pointed at it, as Backstop's own adapter would be.
type fixture struct {
	sim  *Server
	srv  *httptest.Server
	sc   *client.API
	stop context.CancelFunc
}

func setup(t *testing.T, opts Options) *fixture {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.WebhookSecret == "" {
		opts.WebhookSecret = testSecret
	}
	sim, err := New(opts)
	require.NoError(t, err)
	srv := httptest.NewServer(sim.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); srv.Close() })
	sim.Start(ctx)
	return &fixture{sim: sim, srv: srv, sc: stripeClient(srv.URL, testKey), stop: cancel}
}

func stripeClient(url, key string) *client.API {
	b := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:               stripe.String(url),
		MaxNetworkRetries: stripe.Int64(0),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	return client.New(key, &stripe.Backends{API: b, Connect: b, Uploads: b})
}

// control calls the /_sim API and decodes its JSON answer, if any.
func (f *fixture) control(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out := map[string]any{}
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp.StatusCode, out
}

// mustControl is control for calls that must answer want.
func (f *fixture) mustControl(t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	code, out := f.control(t, method, path, body)
	require.Equal(t, want, code, "%s %s: %v", method, path, out)
	return out
}

// pay makes an orphan payment and returns its payment intent and charge ids.
func (f *fixture) pay(t *testing.T, email string, amount int64) (string, string) {
	t.Helper()
	out := f.mustControl(t, http.StatusOK, "POST", "/_sim/payments",
		map[string]any{"email": email, "amount": amount, "currency": "usd", "metadata": map[string]string{"k": "v"}})
	return out["payment_intent"].(string), out["charge"].(string)
}

type statsView struct {
	APIRequests int64            `json:"api_requests"`
	ByEndpoint  map[string]int64 `json:"by_endpoint"`
	Webhooks    struct {
		Delivered, FailedAttempts, Pending, Dropped int64
	} `json:"-"`
}

func (f *fixture) stats(t *testing.T) statsView {
	t.Helper()
	out := f.mustControl(t, http.StatusOK, "GET", "/_sim/stats", nil)
	var s statsView
	b, _ := json.Marshal(out)
	require.NoError(t, json.Unmarshal(b, &s))
	wh := out["webhooks"].(map[string]any)
	s.Webhooks.Delivered = int64(wh["delivered"].(float64))
	s.Webhooks.FailedAttempts = int64(wh["failed_attempts"].(float64))
	s.Webhooks.Pending = int64(wh["pending"].(float64))
	s.Webhooks.Dropped = int64(wh["dropped"].(float64))
	return s
}

func sessionParams(ref string) *stripe.CheckoutSessionParams {
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		SuccessURL:        stripe.String("https://shop.test/ok?session_id={CHECKOUT_SESSION_ID}"),
		CancelURL:         stripe.String("https://shop.test/cancel"),
		ClientReferenceID: stripe.String(ref),
		CustomerEmail:     stripe.String("buyer@example.test"),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(2),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:    stripe.String("usd"),
				UnitAmount:  stripe.Int64(1500),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String("Widget")},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{Metadata: map[string]string{"order_id": ref}},
	}
	p.AddMetadata("order_id", ref)
	return p
}

// receiver is a webhook endpoint that verifies every delivery with
// stripe-go's own webhook.ConstructEvent and fails the first failFirst calls.
type receiver struct {
	srv *httptest.Server

	mu        sync.Mutex
	failFirst int
	calls     int
	events    []stripe.Event
	arrived   []time.Time
	rejected  []string
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	rc := &receiver{failFirst: failFirst}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if rc.calls <= rc.failFirst {
		http.Error(w, "not yet", http.StatusInternalServerError)
		return
	}
	ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), testSecret)
	if err != nil || r.Header.Get("Content-Type") != "application/json" {
		rc.rejected = append(rc.rejected, r.Header.Get("Stripe-Signature"))
		http.Error(w, "bad signature", http.StatusBadRequest)
		return
	}
	rc.events = append(rc.events, ev)
	rc.arrived = append(rc.arrived, time.Now())
	w.WriteHeader(http.StatusOK)
}

// waitFor waits until n events arrived and returns them in arrival order.
func (rc *receiver) waitFor(t *testing.T, n int) []stripe.Event {
	t.Helper()
	require.Eventually(t, func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.events) >= n
	}, 5*time.Second, 10*time.Millisecond, "waiting for %d webhook events", n)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	require.Empty(t, rc.rejected, "deliveries that failed verification")
	return append([]stripe.Event(nil), rc.events...)
}

func types(evs []stripe.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Type)
	}
	return out
}

// testClock is a settable clock for created timestamps.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
