package stripeapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock stands in for time in the token bucket: Sleep advances it at
// once and records how long the caller was told to wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// interrupt, when set, is what the next Sleep returns instead of
	// sleeping, as if the caller's context ended mid-wait.
	interrupt error
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.interrupt; err != nil {
		c.interrupt = nil
		return err
	}
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *fakeClock) slept() (n int, total time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range c.sleeps {
		total += d
	}
	return len(c.sleeps), total
}

// recorded is one request the fake API saw.
type recorded struct {
	Method, Path, IdempotencyKey string
	Query, Form                  url.Values
}

// fakeAPI is an httptest server that records every request and answers
// with the handler given; it stands in for Stripe where stripe-mock cannot
// (errors, pagination, exact headers).
type fakeAPI struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newFakeAPI(t *testing.T, h http.HandlerFunc) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{
			Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"),
			Query: r.URL.Query(), Form: r.PostForm,
		})
		f.mu.Unlock()
		w.Header().Set("Request-Id", "req_fake")
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// newTestClient returns a client for url with retries off, so that error
// tests see one request and never sleep in stripe-go's backoff.
func newTestClient(t *testing.T, url string, clk clock) *Client {
	t.Helper()
	if clk == nil {
		clk = newFakeClock()
	}
	c, err := newClient(Config{SecretKey: "sk_test_123", APIBase: url, MaxRetries: -1, Timeout: 5 * time.Second}, clk)
	require.NoError(t, err)
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
