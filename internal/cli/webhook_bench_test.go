package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/hostload"
	"github.com/backstophq/backstop/internal/store"
)

// Knobs of BenchmarkWebhookThroughput: how many events each instant-port
// phase posts, and how many concurrent clients post them (pgbench runs
// with as many).
const (
	throughputEventsEnv  = "BACKSTOP_BENCH_EVENTS"
	throughputClientsEnv = "BACKSTOP_BENCH_CLIENTS"
	// throughputFastEnv set to 1 runs on the shared test server (fsync
	// off) instead of a durable server of the bench's own.
	throughputFastEnv = "BACKSTOP_BENCH_FAST_PG"
)

// simEvents is how many events the run against the simulator posts: at
// the processor's budget (one call a yearly plan's completion: the session,
// with its charge, first invoice and subscription expanded) that is about
// twenty seconds.
const simEvents = 400

// BenchmarkWebhookThroughput is the load generator of issue 15. It makes
// real paid checkouts at the simulator (through a client of its own with
// no rate budget, so the setup is not what is measured), takes each
// checkout.session.completed event the simulator recorded, and posts it,
// signed with the webhook secret, to the app over HTTP: every event is
// verified, stored, deduplicated, checked against the processor (the
// session, with its charge and, for a subscription, its first invoice and
// the subscription expanded in the same answer) and fulfilled. It prints
// three figures:
//
//   - against the simulator through the stack's own client, at its default
//     rate budget: events/s and the share of the budget's bound (the
//     budget over the calls an event made) that reached;
//   - with the processor answered instantly at the port (the same objects,
//     read from the simulator beforehand): the peak events/s
//     with N clients, beside pgbench's single-row inserts on the same
//     database with N clients;
//   - p50/p99 latency of events posted at a steady 80% of that peak;
//   - the database alone: pgbench replaying an event's statements
//     (testdata/event_writes.pgbench) with N clients, the ceiling of what
//     the app can reach on this box with these writes.
//
// The database is a PostgreSQL of the bench's own with production's
// durability (fsync on), like the one the pgbench figures came
// from: on the test server, with fsync off, a commit costs nearly nothing
// and pgbench's inserts run about three times as fast.
func BenchmarkWebhookThroughput(b *testing.B) {
	events, clients := envInt(b, throughputEventsEnv, 3000), envInt(b, throughputClientsEnv, 8)
	ts, durability := benchStack(b)
	fast := ts.unbudgeted(b)
	port := &recordedPort{Processor: ts.proc}
	ts.billing = ts.billingWith(port)
	url := serveApp(b, ts)
	setup := ts.billingWith(fast)

	for b.Loop() {
		start := time.Now()
		evs := paidCheckoutEvents(b, ts, setup, simEvents+2*events, clients)
		b.Logf("set up %d paid checkouts in %s", len(evs), time.Since(start).Round(time.Millisecond))
		simRun, instant, steady := evs[:simEvents], evs[simEvents:simEvents+events], evs[simEvents+events:]
		port.record(b, fast, append(slices.Clone(instant), steady...))

		r := throughputReport{clients: clients, budget: ts.proc.RatePerSec(), durability: durability}
		port.forwarded.Store(0)
		span := hostload.Start()
		r.sim = postClosed(b, url, ts.cfg.StripeWebhookSecret, simRun, clients)
		span = r.sim.machine(span)
		r.callsPerEvent = float64(port.forwarded.Load()) / float64(len(simRun))
		port.instant.Store(true)
		r.peak = postClosed(b, url, ts.cfg.StripeWebhookSecret, instant, clients)
		span = r.peak.machine(span)
		r.steady = postAtRate(b, url, ts.cfg.StripeWebhookSecret, steady, 0.8*r.peak.rate())
		r.steady.machine(span)
		port.instant.Store(false)
		if n := port.passed.Load(); n > 0 {
			fmt.Printf("warning: %d processor calls were not answered at the port but by the simulator\n", n)
		}
		r.pgbench = pgbenchInserts(b, ts.store.DB(), ts.cfg.DatabaseURL, clients)
		checkAllServed(b, ts, len(evs))
		r.replay = replayEventWrites(b, ts.store.DB(), ts.cfg.DatabaseURL, clients)
		r.print()
		b.ReportMetric(r.sim.rate(), "sim_events/s")
		b.ReportMetric(r.peak.rate(), "instant_events/s")
		b.ReportMetric(r.steady.quantile(0.99).Seconds()*1000, "p99_ms_at_80%")
	}
}

// benchStack is the bench's stack, on a durable database unless
// throughputFastEnv says otherwise, and which it is.
func benchStack(b *testing.B) (*testStack, string) {
	if os.Getenv(throughputFastEnv) == "1" {
		return newTestStack(b), "the test server: fsync off"
	}
	url := durableDatabase(b)
	return newTestStackWith(b, func(c *config.Config) { c.DatabaseURL = url }), "durable: fsync on"
}

// durableDatabase starts a durable PostgreSQL for b and returns the URL
// of its migrated database.
func durableDatabase(b *testing.B) string {
	_, url := dbtest.Durable(b)
	st, err := store.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := store.Migrate(context.Background(), st.DB().DB, nil); err != nil {
		b.Fatal(err)
	}
	return url
}

func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s: %q is not a positive count", name, v)
	}
	return n
}

// serveApp serves the stack's app on a loopback port and returns its URL.
func serveApp(b testing.TB, ts *testStack) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	app := ts.webApp()
	go app.Listener(ln) //nolint:errcheck // ends with Shutdown
	b.Cleanup(func() { app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// simEvent is one checkout.session.completed the simulator recorded.
type simEvent struct {
	session string
	body    []byte
}

// paidCheckoutEvents makes n checkouts through setup (our checkout,
// creating the order and the session), pays each at the simulator, and
// returns the simulator's completion event of each.
func paidCheckoutEvents(b testing.TB, ts *testStack, setup *billing.Service, n, workers int) []simEvent {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for int(next.Add(1)) <= n {
				_, payURL, err := setup.StartCheckout(ctx, billing.CheckoutForm{
					Email: "load-" + randHex(6) + "@example.test", PlanCode: demoPlan.Code, FormToken: "form-" + randHex(10),
				})
				if err == nil {
					err = simPay(ts.sim.URL, payURL[strings.LastIndex(payURL, "/")+1:])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	evs := listCompletions(b, ts.sim.URL)
	if len(evs) != n {
		b.Fatalf("the simulator recorded %d completions for %d payments", len(evs), n)
	}
	return evs
}

func simPay(base, session string) error {
	resp, err := http.Post(base+"/_sim/checkout/"+session+"/pay", "application/json",
		strings.NewReader(`{"card":"4242424242424242"}`))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pay %s: %s", session, resp.Status)
	}
	return nil
}

// listCompletions reads every checkout.session.completed event from the
// simulator as the processor would deliver it, oldest first.
func listCompletions(b testing.TB, base string) []simEvent {
	var out []simEvent
	after := ""
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/events?limit=100&type=checkout.session.completed"+after, nil)
		req.SetBasicAuth(testAPIKey, "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var page struct {
			Data    []json.RawMessage `json:"data"`
			HasMore bool              `json:"has_more"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range page.Data {
			var ev struct {
				ID   string
				Data struct{ Object struct{ ID string } }
			}
			if err := json.Unmarshal(raw, &ev); err != nil {
				b.Fatal(err)
			}
			out = append(out, simEvent{session: ev.Data.Object.ID, body: raw})
			after = "&starting_after=" + ev.ID
		}
		if !page.HasMore {
			slices.Reverse(out)
			return out
		}
	}
}

// recordedPort is the processor at the port: the stack's client, or, once
// instant, the sessions read from the simulator beforehand (with their
// charge, and for a subscription its first invoice and the subscription,
// expanded in them as the stack's client asks), answered at once. Any
// other call goes to the stack's client and is counted.
type recordedPort struct {
	billing.Processor
	instant   atomic.Bool
	passed    atomic.Int64 // calls the instant port did not answer
	forwarded atomic.Int64 // every call that went to the processor
	sessions  map[string]billing.Session
}

func (p *recordedPort) record(b *testing.B, from billing.Processor, evs []simEvent) {
	ctx := context.Background()
	p.sessions = map[string]billing.Session{}
	for _, ev := range evs {
		sess, err := from.GetCheckoutSession(ctx, ev.session)
		if err != nil {
			b.Fatal(err)
		}
		p.sessions[sess.ID] = sess
	}
}

// countPassed counts a call going to the processor, and, while the port
// should answer everything, that it did not.
func (p *recordedPort) countPassed() {
	p.forwarded.Add(1)
	if p.instant.Load() {
		p.passed.Add(1)
	}
}

func (p *recordedPort) GetCheckoutSession(ctx context.Context, id string) (billing.Session, error) {
	if !p.instant.Load() {
		p.countPassed()
		return p.Processor.GetCheckoutSession(ctx, id)
	}
	if s, ok := p.sessions[id]; ok {
		return s, nil
	}
	return billing.Session{}, fmt.Errorf("session %s was not recorded", id)
}

func (p *recordedPort) GetCharge(ctx context.Context, id string) (billing.Charge, error) {
	p.countPassed()
	return p.Processor.GetCharge(ctx, id)
}

func (p *recordedPort) GetInvoice(ctx context.Context, id string) (billing.Invoice, error) {
	p.countPassed()
	return p.Processor.GetInvoice(ctx, id)
}

func (p *recordedPort) GetSubscription(ctx context.Context, id string) (billing.Subscription, error) {
	p.countPassed()
	return p.Processor.GetSubscription(ctx, id)
}

// posted is what one phase measured: each event's latency, the time from
// the first post to the last answer, and the events not answered 200
// (posted again afterwards, as the processor redelivers).
type posted struct {
	latencies []time.Duration
	elapsed   time.Duration
	failed    []simEvent
	steal     string // the host's share of the machine's CPU time meanwhile (hostload)
	cpu       string // the machine's busy CPU time meanwhile per event, whoever spent it
}

// machine records what the machine did since span started, and starts the
// next span.
func (p *posted) machine(span hostload.Span) hostload.Span {
	p.steal, p.cpu = span.StealText(), "?"
	if busy, ok := span.BusySeconds(); ok {
		p.cpu = ms(time.Duration(busy * float64(time.Second) / float64(len(p.latencies))))
	}
	return hostload.Start()
}

func (p posted) rate() float64 { return float64(len(p.latencies)) / p.elapsed.Seconds() }

func (p posted) quantile(q float64) time.Duration {
	s := slices.Clone(p.latencies)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// post signs ev now, as the processor does each delivery, and posts it;
// anything but 200 fails the benchmark, which counts only handled events.
func post(hc *http.Client, url, secret string, ev simEvent) error {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: ev.body, Secret: secret, Timestamp: time.Now()})
	req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/stripe", strings.NewReader(string(ev.body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sp.Header)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Read to the end: net/http reuses a connection only once its body is
	// drained, and a closed one is a new TCP connection for the next event.
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("event for %s answered %s", ev.session, resp.Status)
	}
	return nil
}

func benchClient(conns int) *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
}

// postClosed posts evs with clients concurrent posters, each posting its
// next event when the last is answered: the peak rate.
func postClosed(b *testing.B, url, secret string, evs []simEvent, clients int) posted {
	hc := benchClient(clients)
	lat := make([]time.Duration, len(evs))
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(evs) && failed.Load() == nil; i = int(next.Add(1)) - 1 {
				t := time.Now()
				if err := post(hc, url, secret, evs[i]); err != nil {
					failed.Store(&err)
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	return posted{latencies: lat, elapsed: time.Since(start)}
}

// postAtRate posts evs at a steady rate, each at its scheduled moment
// whatever the answers before it, and measures each latency from that
// moment, so a slow answer cannot hide the ones queued behind it. An event
// not answered 200 (the request timed out under overload) is counted, and
// posted again once the phase is over.
func postAtRate(b *testing.B, url, secret string, evs []simEvent, rate float64) posted {
	// Connections are reused as a processor's deliveries would be: opening
	// one per event would measure TCP setup, not the webhook.
	hc := benchClient(64)
	lat := make([]time.Duration, len(evs))
	var mu sync.Mutex
	var failed []simEvent
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := range evs {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := post(hc, url, secret, evs[i]); err != nil {
				mu.Lock()
				failed = append(failed, evs[i])
				mu.Unlock()
			}
			lat[i] = time.Since(at)
		}()
	}
	wg.Wait()
	p := posted{latencies: lat, elapsed: time.Since(start), failed: failed}
	if len(failed) > 0 {
		postClosed(b, url, secret, failed, 1)
	}
	return p
}

// checkAllServed fails unless every paid checkout became a fulfilled order
// with its grant: the events were handled, not merely answered.
func checkAllServed(b *testing.B, ts *testStack, n int) {
	var served, grants int
	db := ts.store.DB()
	if err := db.Get(&served, `SELECT count(*) FROM orders WHERE status = 'fulfilled'`); err != nil {
		b.Fatal(err)
	}
	if err := db.Get(&grants, `SELECT count(*) FROM entitlement_grants`); err != nil {
		b.Fatal(err)
	}
	if served != n || grants != n {
		b.Fatalf("%d events posted, %d orders served, %d grants", n, served, grants)
	}
}

// pgbenchInserts runs pgbench for five seconds on dbURL with clients
// clients, each transaction one single-row insert.
func pgbenchInserts(b *testing.B, db *sqlx.DB, dbURL string, clients int) pgbenchRun {
	st := `CREATE TABLE IF NOT EXISTS pgbench_single_rows (id bigserial PRIMARY KEY, v int NOT NULL, at timestamptz NOT NULL DEFAULT now())`
	if _, err := db.Exec(st); err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(b.TempDir(), "insert.sql")
	if err := os.WriteFile(script, []byte("INSERT INTO pgbench_single_rows (v) VALUES (1);\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	return runPgbench(dbURL, script, clients)
}

// replayOrders is how many pending orders replayEventWrites makes: more
// than its five seconds can take at any rate this machine reaches.
const replayOrders = 40000

// replayEventWrites runs testdata/event_writes.pgbench, an event's
// statements without the app, for five seconds on dbURL with clients
// clients. It takes one completion the app handled for the event's payload
// and one access email for the email's bodies, so the rows are the app's
// sizes.
func replayEventWrites(b *testing.B, db *sqlx.DB, dbURL string, clients int) pgbenchRun {
	var mail struct {
		HTML string `db:"html_body"`
		Text string `db:"text_body"`
	}
	if err := db.Get(&mail, `SELECT html_body, text_body FROM email_messages ORDER BY id LIMIT 1`); err != nil {
		b.Fatal(err)
	}
	var payload string
	if err := db.Get(&payload, `SELECT payload::text FROM processor_events WHERE type = 'checkout.session.completed' ORDER BY received_at LIMIT 1`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`CREATE SEQUENCE IF NOT EXISTS replay_orders`); err != nil {
		b.Fatal(err)
	}
	// The orders the checkout would have made, pending, each with its session.
	_, err := db.Exec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key, checkout_session_id)
		SELECT 'BK-REPLAY' || g, 'replay-' || g || '@example.test', $1, $2, $3, 'pending', 'replay:' || g, 'cs_replay_' || g
		FROM generate_series(1, $4) g`, demoPlan.Code, demoPlan.Amount, demoPlan.Currency, replayOrders)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return runPgbench(dbURL, filepath.Join("testdata", "event_writes.pgbench"), clients,
		"-M", "prepared", "-D", "plan="+demoPlan.Code, "-D", "payload="+payload, "-D", "html="+mail.HTML, "-D", "text="+mail.Text)
}

// pgbenchRun is what one pgbench run measured.
type pgbenchRun struct {
	tps  float64 // transactions per second; zero when it did not run
	cpu  string  // the machine's busy CPU time meanwhile per transaction
	note string  // why it did not run
}

// runPgbench runs script on dbURL for five seconds with clients clients;
// it says why when pgbench is not installed or fails.
func runPgbench(dbURL, script string, clients int, args ...string) pgbenchRun {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
		if len(found) == 0 {
			return pgbenchRun{note: "pgbench not found (apt-get install postgresql-contrib): no comparison"}
		}
		bin = found[len(found)-1]
	}
	args = append([]string{"-n", "-f", script, "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 2)), "-T", "5"}, args...)
	span := hostload.Start()
	out, err := exec.Command(bin, append(args, dbURL)...).CombinedOutput()
	if err != nil {
		return pgbenchRun{note: fmt.Sprintf("pgbench failed: %v: %s", err, strings.TrimSpace(string(out)))}
	}
	rate := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	done := regexp.MustCompile(`transactions actually processed: ([0-9]+)`).FindSubmatch(out)
	if rate == nil || done == nil {
		return pgbenchRun{note: "pgbench printed no rate: " + string(out)}
	}
	r := pgbenchRun{cpu: "?"}
	r.tps, _ = strconv.ParseFloat(string(rate[1]), 64)
	n, _ := strconv.Atoi(string(done[1]))
	if busy, ok := span.BusySeconds(); ok && n > 0 {
		r.cpu = ms(time.Duration(busy * float64(time.Second) / float64(n)))
	}
	return r
}

// throughputReport is the table BenchmarkWebhookThroughput prints.
type throughputReport struct {
	clients           int
	budget            float64 // processor requests per second
	callsPerEvent     float64 // processor calls one completion cost in the simulator run
	sim, peak, steady posted
	pgbench           pgbenchRun // single-row inserts
	replay            pgbenchRun // an event's statements, without the app
	durability        string
}

func (r throughputReport) print() {
	bound := r.budget / max(r.callsPerEvent, 1) // the budget shared by what each completion asks
	fmt.Println()
	fmt.Printf("Webhook throughput, %d clients posting signed checkout.session.completed events over HTTP; PostgreSQL %s\n", r.clients, r.durability)
	fmt.Printf("%-44s | %9s | %8s | %8s | %9s | %5s | %s\n", "run", "events/s", "p50", "p99", "CPU/event", "steal", "ratio")
	fmt.Printf("%-44s | %9.1f | %8s | %8s | %9s | %5s | %.0f%% of the budget's %.1f events/s (%.0f calls/s, %.1f an event)\n",
		fmt.Sprintf("simulator, default budget (%d events)", len(r.sim.latencies)), r.sim.rate(),
		ms(r.sim.quantile(0.5)), ms(r.sim.quantile(0.99)), r.sim.cpu, r.sim.steal, 100*r.sim.rate()/bound, bound, r.budget, r.callsPerEvent)
	ratio := r.pgbench.note
	if r.pgbench.tps > 0 {
		ratio = fmt.Sprintf("1/%.1f of pgbench's %.0f single-row inserts/s, %d clients", r.pgbench.tps/r.peak.rate(), r.pgbench.tps, r.clients)
	}
	fmt.Printf("%-44s | %9.1f | %8s | %8s | %9s | %5s | %s\n", fmt.Sprintf("processor instant at the port, peak (%d)", len(r.peak.latencies)),
		r.peak.rate(), ms(r.peak.quantile(0.5)), ms(r.peak.quantile(0.99)), r.peak.cpu, r.peak.steal, ratio)
	fmt.Printf("%-44s | %9.1f | %8s | %8s | %9s | %5s | target p99 < 50 ms; %d not answered 200 at first\n",
		fmt.Sprintf("instant, steady at 80%% of peak (%d)", len(r.steady.latencies)),
		r.steady.rate(), ms(r.steady.quantile(0.5)), ms(r.steady.quantile(0.99)), r.steady.cpu, r.steady.steal, len(r.steady.failed))
	replay := r.replay.note
	if r.replay.tps > 0 && r.pgbench.tps > 0 {
		replay = fmt.Sprintf("1/%.1f of pgbench's inserts; the app's peak is %.0f%% of it", r.pgbench.tps/r.replay.tps, 100*r.peak.rate()/r.replay.tps)
	}
	fmt.Printf("%-44s | %9.1f | %8s | %8s | %9s | %5s | %s\n", "database alone: an event's SQL by pgbench",
		r.replay.tps, "", "", r.replay.cpu, "", replay)
	fmt.Println("CPU/event: the machine's busy CPU time (both cores, every process: app, PostgreSQL, load generator) over the events (for the database alone, over its transactions)")
	fmt.Println(hostload.StealNote)
	fmt.Printf("load average at the end: %s\n", hostload.LoadAverage())
	fmt.Println()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", d.Seconds()*1000) }
