package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/staff"
)

// Sizes of the console benchmark's database: a shop two years in.
const (
	benchOrders     = 1_000_000
	benchMismatches = 100_000
)

// BenchmarkConsolePages measures the server time of the console's
// pages (the dashboard, the queue, a mismatch, a customer search and a
// customer's page) over a database of 1M orders (two years of them, ~41k in the
// chart's 30 days), 200k accounts and 100k mismatches (30k open, the rest
// closed; a tenth of them disputes), with an audit row and an email for
// each mismatch's order. The processor is an instant fake at the port, so
// the mismatch page measures our side only. Each page is asked in the ways
// staff ask it (the queue's first page, a deep page by cursor and a
// filter; random mismatches), and the benchmark prints p50 and p95; the
// target is p95 < 50 ms. Seeding takes a minute or two.
func BenchmarkConsolePages(b *testing.B) {
	ctx := context.Background()
	cfg := config.Config{
		DatabaseURL: dbtest.URL(b), StripeSecretKey: "sk_test_bench", StripeAPIBase: "http://127.0.0.1:1",
		BaseURL: "http://shop.test", SupportEmail: "support@shop.test", MailFrom: "shop@shop.test",
	}
	s, err := openStack(ctx, cfg, slog.New(slog.DiscardHandler), false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.close)
	if err := s.store.UpsertPlan(ctx, demoPlan); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	seedConsoleBench(b, s)
	b.Logf("seeded %d orders and %d mismatches in %s", benchOrders, benchMismatches, time.Since(start).Round(time.Second))
	s.live = instantProcessor{}
	app := s.webApp()
	cookies := benchSignIn(b, s, app)

	var open []int64
	if err := s.store.DB().Select(&open, `SELECT id FROM mismatches WHERE status = 'open' ORDER BY random() LIMIT 500`); err != nil {
		b.Fatal(err)
	}
	deep := benchDeepCursor(b, app, cookies)
	rng := rand.New(rand.NewPCG(1, 2))
	pages := []struct {
		name   string
		target func(i int) string
	}{
		{"dashboard", func(int) string { return "/console/" }},
		{"queue", func(i int) string {
			return []string{"/console/mismatches", "/console/mismatches?after=" + url.QueryEscape(deep),
				"/console/mismatches?kind=identity_unknown&age=24h", "/console/mismatches?claimed=nobody"}[i%4]
		}},
		{"mismatch", func(int) string { return "/console/mismatches/" + strconv.FormatInt(open[rng.IntN(len(open))], 10) }},
		// Search by each kind of key, for a random order (one of five of its
		// customer's); the page after a hit is the customer's, measured next.
		{"search", func(i int) string {
			n := strconv.Itoa(rng.IntN(benchOrders) + 1)
			return "/console/customers?q=" + url.QueryEscape([]string{"c" + strconv.Itoa(rng.IntN(200000)+1) + "@example.test",
				"BK-" + n, "pi_bench_" + n, n, "ch_bench_" + n, "E-bench-" + n}[i%6])
		}},
		{"customer", func(int) string { return "/console/customers/c" + strconv.Itoa(rng.IntN(200000)+1) + "@example.test" }},
	}
	var table []string
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			var times []time.Duration
			i := 0
			for b.Loop() {
				t0 := time.Now()
				benchGetAnswer(b, app, p.target(i), cookies, http.StatusSeeOther)
				times = append(times, time.Since(t0))
				i++
			}
			p50, p95 := percentile(times, 50), percentile(times, 95)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
			table = append(table, fmt.Sprintf("| %-9s | %6d | %8.1f | %8.1f |", p.name, len(times),
				float64(p50.Microseconds())/1000, float64(p95.Microseconds())/1000))
		})
	}
	fmt.Printf("\nconsole pages, %d orders, %d mismatches (server time, in process):\n", benchOrders, benchMismatches)
	fmt.Println("| page      | runs   | p50 (ms) | p95 (ms) |\n|-----------|--------|----------|----------|")
	fmt.Println(strings.Join(table, "\n"))
}

// seedConsoleBench fills the database with set-based statements only.
func seedConsoleBench(b *testing.B, s *stack) {
	b.Helper()
	for _, q := range []string{
		`INSERT INTO accounts (email) SELECT 'c' || i || '@example.test' FROM generate_series(1, 200000) AS i`,
		// One order every 63 seconds for two years; one in 97 paid and not
		// (yet) served, the rest served five seconds after paying.
		`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key, fulfilled_via,
			account_id, payment_intent_id, created_at, paid_at, fulfilled_at)
		SELECT 'BK-' || i, 'c' || (i % 200000 + 1) || '@example.test', 'pro-yearly', 24900, 'usd',
			CASE WHEN i % 97 = 0 THEN 'paid' ELSE 'fulfilled' END, 'bench-' || i,
			CASE WHEN i % 97 = 0 THEN NULL ELSE 'webhook' END,
			CASE WHEN i % 97 = 0 THEN NULL ELSE i % 200000 + 1 END, 'pi_bench_' || i,
			now() - i * interval '63 seconds', now() - i * interval '63 seconds',
			CASE WHEN i % 97 = 0 THEN NULL ELSE now() - i * interval '63 seconds' + interval '5 seconds' END
		FROM generate_series(1, ` + strconv.Itoa(benchOrders) + `) AS i`,
		`INSERT INTO entitlements (account_id, plan_code, valid_until, order_id)
		SELECT i, 'pro-yearly', now() + interval '200 days', i FROM generate_series(1, 200000) AS i`,
		// Mismatches over a year, every kind; 30% open; disputes urgent
		// with a deadline; half about an order; some claimed.
		`INSERT INTO mismatches (kind, status, subject, order_id, email, payment_intent_id, amount, currency, urgent,
			evidence_due_by, detected_at, last_seen_at, resolved_at, resolution, claimed_by, evidence, updated_at)
		SELECT k.kind, st.status, 'bench:' || i, CASE WHEN i % 2 = 0 THEN i * 7 END,
			CASE WHEN k.kind = 'identity_unknown' THEN NULL ELSE 'c' || i || '@example.test' END,
			'pi_bench_' || (i * 7), 24900, 'usd', k.kind = 'disputed',
			CASE WHEN k.kind = 'disputed' THEN now() + (i % 21) * interval '1 day' END,
			now() - i * interval '315 seconds', now() - i * interval '315 seconds',
			CASE WHEN st.status <> 'open' THEN now() - i * interval '300 seconds' END,
			CASE WHEN st.status <> 'open' THEN 'benchmark' END,
			CASE WHEN i % 13 = 0 THEN 'bo@example.test' END,
			jsonb_build_object('payment', jsonb_build_object('payment_intent', 'pi_bench_' || (i * 7), 'amount', 24900,
				'currency', 'usd', 'created', now() - i * interval '315 seconds')),
			now() - i * interval '315 seconds'
		FROM generate_series(1, ` + strconv.Itoa(benchMismatches) + `) AS i
		CROSS JOIN LATERAL (SELECT (ARRAY['orphan_payment', 'stuck_pending', 'unpaid_fulfilled', 'refunded_active',
			'disputed', 'duplicate_payment', 'amount_mismatch', 'identity_unknown', 'expired_pending'])[i % 9 + 1] AS kind) k
		CROSS JOIN LATERAL (SELECT CASE WHEN i % 10 < 3 THEN 'open' WHEN i % 10 < 7 THEN 'auto_resolved'
			WHEN i % 10 < 9 THEN 'resolved' ELSE 'dismissed' END AS status) st`,
		`INSERT INTO order_events (order_id, kind, detail)
		SELECT order_id, 'fulfilled', jsonb_build_object('via', 'webhook') FROM mismatches WHERE order_id IS NOT NULL`,
		`INSERT INTO audit_log (actor, action, target) SELECT 'ana@example.test', 'mismatch.noted', 'mismatch:' || id FROM mismatches`,
		`INSERT INTO email_messages (template, template_version, to_email, subject, html_body, text_body, order_id, dedupe_key, message_id, status)
		SELECT 'order_confirmation', 0, 'c' || order_id || '@example.test', 'Your access is ready', '<p>Thanks</p>', 'Thanks',
			order_id, 'bench:' || order_id, '<bench.' || order_id || '@shop.test>', 'sent'
		FROM mismatches WHERE order_id IS NOT NULL`,
		`INSERT INTO recon_runs (kind, objects_seen, started_at, finished_at)
		SELECT CASE WHEN i % 120 = 0 THEN 'sweep' ELSE 'events' END, 100, now() - i * interval '30 seconds',
			now() - i * interval '30 seconds' + interval '1 second'
		FROM generate_series(1, 20000) AS i`,
		// For the customer page: a charge on every order, an error page for
		// one order in twenty, and the webhooks of one order in five.
		`UPDATE orders SET charge_id = 'ch_bench_' || id`,
		`INSERT INTO error_reports (ref, route, method, status, order_id, error)
		SELECT 'E-bench-' || i, '/checkout/return', 'GET', 500, i, 'bench' FROM generate_series(20, ` + strconv.Itoa(benchOrders) + `, 20) AS i`,
		`INSERT INTO processor_events (id, type, object_id, payload, source, created_at, processed_at)
		SELECT 'evt_bench_' || i, 'payment_intent.succeeded', 'pi_bench_' || i, '{}', 'webhook', now(), now()
		FROM generate_series(5, ` + strconv.Itoa(benchOrders) + `, 5) AS i`,
		`VACUUM ANALYZE`,
	} {
		if _, err := s.store.DB().Exec(q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
}

func benchSignIn(b *testing.B, s *stack, app *fiber.App) []*http.Cookie {
	b.Helper()
	if _, err := s.staff.Add(context.Background(), "bench@example.test", staff.RoleSupport, consolePassword); err != nil {
		b.Fatal(err)
	}
	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/console/login", nil), -1)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := res.Cookies()
	token := csrfInPage.FindStringSubmatch(string(body))[1]
	form := url.Values{"email": {"bench@example.test"}, "password": {consolePassword}, "csrf_token": {token}}
	req := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range csrf {
		req.AddCookie(c)
	}
	res, err = app.Test(req, -1)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	return res.Cookies()
}

func benchGet(b *testing.B, app *fiber.App, target string, cookies []*http.Cookie) string {
	return benchGetAnswer(b, app, target, cookies, http.StatusOK)
}

// benchGetAnswer is benchGet where ok is also a good answer (a search
// that lands on its customer answers 303).
func benchGetAnswer(b *testing.B, app *fiber.App, target string, cookies []*http.Cookie, ok int) string {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := app.Test(req, -1)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK && res.StatusCode != ok {
		b.Fatalf("GET %s: %d\n%s", target, res.StatusCode, body)
	}
	return string(body)
}

// benchDeepCursor walks the open queue 40 pages deep (a thousand rows) and
// returns that page's cursor: keyset pages cost the same however deep.
func benchDeepCursor(b *testing.B, app *fiber.App, cookies []*http.Cookie) string {
	b.Helper()
	after := ""
	for range 40 {
		body := benchGet(b, app, "/console/mismatches?after="+url.QueryEscape(after), cookies)
		i := strings.Index(body, `data-testid="queue-next"`)
		j := strings.LastIndex(body[:max(i, 0)], "after=")
		if i < 0 || j < 0 {
			b.Fatal("no next page")
		}
		v, err := url.QueryUnescape(body[j+len("after=") : j+strings.IndexByte(body[j:], '"')])
		if err != nil {
			b.Fatal(err)
		}
		after = v
	}
	return after
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// instantProcessor is the processor port answering at once, so the
// benchmark measures our side of the mismatch page.
type instantProcessor struct{}

func (instantProcessor) GetPaymentIntent(ctx context.Context, id string) (billing.Payment, error) {
	return billing.Payment{ID: id, Status: "succeeded", Amount: 24900, Currency: "usd", LatestChargeID: "ch_" + id}, nil
}

func (instantProcessor) GetCharge(ctx context.Context, id string) (billing.Charge, error) {
	return billing.Charge{ID: id, Status: "succeeded", Amount: 24900, Currency: "usd", Paid: true}, nil
}

func (instantProcessor) GetCheckoutSession(ctx context.Context, id string) (billing.Session, error) {
	return billing.Session{ID: id, Status: "complete", PaymentStatus: "paid"}, nil
}

func (instantProcessor) GetSubscription(ctx context.Context, id string) (billing.Subscription, error) {
	return billing.Subscription{ID: id, Status: "active"}, nil
}
