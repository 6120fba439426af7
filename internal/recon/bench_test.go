package recon_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/internal/stripeapi"
	"github.com/backstophq/backstop/internal/stripesim"
)

// simProcessEnv names the simulator's state file when this test binary is
// re-executed as the simulator, so the benchmark's heap holds only the
// sweep's own memory.
const simProcessEnv = "BACKSTOP_BENCH_SIM_STATE"

const benchKey = "sk_test_bench"

// BenchmarkSweep sweeps a window holding n payments (a payment intent and
// a charge each, all matching fulfilled orders: the steady state) and
// reports the peak retained heap during the run, sampled by forcing a
// collection every 20 ms (the simulator runs in another process, so this is
// the sweep's own memory). Flat memory means that number does not grow
// with n. Measured here: 2k 3.7 MB, 20k 3.8 MB, 100k 4.3 MB. The 20k and
// 100k sizes run when BACKSTOP_BENCH_LARGE is set: minutes, mostly the
// simulator's own cost per page (it filters and sorts its whole table for
// every page it serves). BenchmarkSweepVersusLoop measures the sweep's own
// work up to a million charges without the simulator.
func BenchmarkSweep(b *testing.B) {
	sizes := []int{2_000}
	if os.Getenv("BACKSTOP_BENCH_LARGE") != "" {
		sizes = append(sizes, 20_000, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("payments=%d", n), func(b *testing.B) { benchSweep(b, n) })
	}
}

func benchSweep(b *testing.B, n int) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	apiBase := startSimProcess(b, writeSimState(b, n, now))
	st, err := store.Open(ctx, dbtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	seedOrders(b, st, n, now)
	proc, err := stripeapi.New(stripeapi.Config{SecretKey: benchKey, APIBase: apiBase, RatePerSec: 1e6, Burst: 1000})
	if err != nil {
		b.Fatal(err)
	}
	sw := recon.NewSweeper(recon.Sweeper{Store: st, Proc: proc, Healer: refuseHeal{}, Lookback: 2 * time.Hour})
	var peak int64
	for b.Loop() {
		stop := samplePeak(&peak)
		res, err := sw.Run(ctx, recon.SweepOptions{})
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if res.ObjectsSeen != 2*n || res.Healed != 0 || len(res.ByKind) != 0 {
			b.Fatalf("steady state expected, got %+v", res)
		}
		b.ReportMetric(float64(res.APICalls), "api_calls")
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak_retained_heap_MB")
}

// refuseHeal fails the benchmark's sweep if it ever tries to heal.
type refuseHeal struct{}

func (refuseHeal) Fulfill(context.Context, billing.PaidCheckout, billing.Via) (billing.Outcome, error) {
	return billing.Outcome{}, apperr.New(apperr.Internal, "the steady state needs no heal")
}

func (refuseHeal) QueueHoldingEmail(context.Context, int64, billing.PaidCheckout, string) (bool, error) {
	return false, apperr.New(apperr.Internal, "the steady state needs no email")
}

// retainedHeap collects garbage and returns the heap still reachable: what
// the sweep holds at that instant, free of the garbage-collector's pacing.
func retainedHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// samplePeak records, every 20 ms until stop, the largest retained heap
// seen so far. Each sample is a full collection, which costs the sweep a
// little time and no correctness.
func samplePeak(peak *int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if d := retainedHeap(); d > atomic.LoadInt64(peak) {
				atomic.StoreInt64(peak, d)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// writeSimState writes a simulator state file with n succeeded payments
// created over the last hour, ids pi_bench_<i> and ch_bench_<i>. It writes
// one object at a time: one big json.Marshal would leave a buffer of the
// file's size in encoding/json's pool, and the benchmark would measure it.
func writeSimState(b *testing.B, n int, now time.Time) string {
	path := filepath.Join(b.TempDir(), "sim.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	created := func(i int) int64 {
		return now.Add(-time.Hour).Add(time.Duration(i) * time.Hour / time.Duration(n)).Unix()
	}
	w.WriteString(`{"sessions":[],"refunds":[],"disputes":[],"events":[],"deliveries":[],"idempotency":{},"payment_intents":[`)
	for i := range n {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"id":"pi_bench_%d","object":"payment_intent","amount":24900,"amount_received":24900,`+
			`"capture_method":"automatic","created":%d,"currency":"usd","latest_charge":"ch_bench_%d","metadata":{},`+
			`"payment_method_types":["card"],"receipt_email":"bench%d@example.test","status":"succeeded"}`, i, created(i), i, i)
	}
	w.WriteString(`],"charges":[`)
	for i := range n {
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"id":"ch_bench_%d","object":"charge","amount":24900,"amount_captured":24900,`+
			`"billing_details":{"email":"bench%d@example.test"},"captured":true,"created":%d,"currency":"usd",`+
			`"metadata":{},"paid":true,"payment_intent":"pi_bench_%d","receipt_email":"bench%d@example.test","status":"succeeded"}`,
			i, i, created(i), i, i)
	}
	w.WriteString(`]}`)
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return path
}

// seedOrders inserts the n fulfilled orders the payments paid for, in one
// statement.
func seedOrders(b *testing.B, st *store.Store, n int, now time.Time) {
	ctx := context.Background()
	if err := st.UpsertPlan(ctx, billing.Plan{Code: "pro-yearly", Name: "Pro", Amount: 24900, Currency: "usd", Interval: "year", Active: true}); err != nil {
		b.Fatal(err)
	}
	_, err := st.DB().ExecContext(ctx, `
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key,
			payment_intent_id, charge_id, fulfilled_via, paid_at, fulfilled_at)
		SELECT 'BK-BENCH-' || i, 'bench' || i || '@example.test', 'pro-yearly', 24900, 'usd', 'fulfilled',
			'bench:' || i, 'pi_bench_' || i, 'ch_bench_' || i, 'webhook', $2, $2
		FROM generate_series(0, $1 - 1) AS i`, n, now.Add(-30*time.Minute))
	if err != nil {
		b.Fatal(err)
	}
}

// startSimProcess re-executes this test binary as the simulator on a free
// port and returns its URL; it is killed when b ends.
func startSimProcess(b *testing.B, statePath string) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), simProcessEnv+"="+statePath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening ") {
		b.Fatalf("simulator process: %q %v", line, err)
	}
	return "http://" + strings.TrimSpace(strings.TrimPrefix(line, "listening "))
}

// serveSim is the simulator process: it loads the state and serves until
// killed.
func serveSim() int {
	sim, err := stripesim.New(stripesim.Options{APIKey: benchKey, StatePath: os.Getenv(simProcessEnv)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("listening " + ln.Addr().String())
	if err := http.Serve(ln, sim.Handler()); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 1
}
