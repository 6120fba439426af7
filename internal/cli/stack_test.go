package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/stripeapi"
	"github.com/backstophq/backstop/internal/stripesim"
)

const (
	testAPIKey = "sk_test_stack"
	testSecret = "whsec_stack_test"
)

// testStack is the whole app in-process: a fresh database, the simulator
// over real HTTP (webhooks off: tests deliver events themselves), the real
// stripe-go adapter, and the Fiber app. Jobs are queued but not worked.
type testStack struct {
	*stack
	app *fiber.App
	sim *httptest.Server
}

func newTestStack(t testing.TB) *testStack {
	t.Helper()
	return newTestStackWith(t, nil)
}

// newTestStackWith is newTestStack with the configuration adjusted first.
func newTestStackWith(t testing.TB, adjust func(*config.Config)) *testStack {
	t.Helper()
	return newTestStackMode(t, adjust, jobsNone)
}

// newTestStackMode is newTestStackWith whose River client works jobs as
// mode says once the test starts it (s.jobs.Start).
func newTestStackMode(t testing.TB, adjust func(*config.Config), mode jobMode) *testStack {
	t.Helper()
	ctx := context.Background()
	sim, err := stripesim.New(stripesim.Options{APIKey: testAPIKey, WebhookSecret: testSecret})
	require.NoError(t, err)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	cfg := config.Config{
		StripeSecretKey: testAPIKey, StripeWebhookSecret: testSecret,
		StripeAPIBase: srv.URL, BaseURL: "http://shop.test", SupportEmail: "support@shop.test",
		MailFrom: "shop@shop.test",
	}
	if adjust != nil {
		adjust(&cfg)
	}
	if cfg.DatabaseURL == "" { // a database of the test's own, unless adjust named one
		cfg.DatabaseURL = dbtest.URL(t)
	}
	st, err := openStackMode(ctx, cfg, slog.New(slog.DiscardHandler), mode)
	require.NoError(t, err)
	t.Cleanup(st.close)
	require.NoError(t, st.store.UpsertPlan(ctx, demoPlan))
	return &testStack{stack: st, app: st.webApp(), sim: srv}
}

// unbudgeted is a client of the stack's simulator with no rate budget, for
// setting up many checkouts (or reading them) without that being measured.
func (s *testStack) unbudgeted(t testing.TB) *stripeapi.Client {
	t.Helper()
	c, err := stripeapi.New(stripeapi.Config{SecretKey: testAPIKey, APIBase: s.sim.URL, RatePerSec: 1e6})
	require.NoError(t, err)
	return c
}

// paidOrder starts a checkout and pays it through the simulator, returning
// the order and its session id; nothing is fulfilled yet.
func (s *testStack) paidOrder(t *testing.T, email string) (billing.Order, string) {
	t.Helper()
	order, payURL, err := s.billing.StartCheckout(context.Background(), billing.CheckoutForm{
		Email: email, PlanCode: demoPlan.Code, FormToken: "form-" + randHex(10),
	})
	require.NoError(t, err)
	session := payURL[strings.LastIndex(payURL, "/")+1:]
	s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242"}`)
	return order, session
}

func (s *testStack) simPost(t testing.TB, path, body string) []byte {
	t.Helper()
	resp, err := http.Post(s.sim.URL+path, "application/json", bytes.NewBufferString(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Less(t, resp.StatusCode, 300, string(b))
	return b
}

// event returns the raw JSON of the simulator's newest event of a type.
func (s *testStack) event(t *testing.T, typ string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.sim.URL+"/v1/events?limit=1&type="+typ, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var page struct{ Data []json.RawMessage }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	require.Len(t, page.Data, 1, "no %s event", typ)
	return page.Data[0]
}

func (s *testStack) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, s.store.DB().Get(&n, q, args...))
	return n
}

func (s *testStack) orderByRef(t *testing.T, ref string) billing.Order {
	t.Helper()
	o, err := s.store.OrderByPublicRef(context.Background(), ref)
	require.NoError(t, err)
	return o
}

func httpBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// simList lists a resource of the simulator, newest first.
func (s *testStack) simList(t *testing.T, resource string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.sim.URL+"/v1/"+resource+"?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var page struct{ Data []map[string]any }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
	return page.Data
}

func timeNow() time.Time { return time.Now() }

func randHex(n int) string { return randomHex(n) }

func formToken() string { return "tok" + randHex(12) }
