package recon_test

import (
	"bufio"
	"context"
	"encoding/json"
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
// reports the peak live heap during the run (as each garbage collection
// measures it; the simulator runs in another process). Flat memory means
// that number does not grow with n. The 100k size
// runs when BACKSTOP_BENCH_LARGE is set (about a minute, mostly the
// simulator's own list cost).
func BenchmarkSweep(b *testing.B) {
	sizes := []int{2_000, 20_000}
	if os.Getenv("BACKSTOP_BENCH_LARGE") != "" {
		sizes = append(sizes, 100_000)
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
	sw := &recon.Sweeper{Store: st, Proc: proc, Healer: refuseHeal{}, Lookback: 2 * time.Hour}
	var peak int64
	for b.Loop() {
		runtime.GC()
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
	b.ReportMetric(float64(peak)/(1<<20), "peak_live_heap_MB")
}

// refuseHeal fails the benchmark's sweep if it ever tries to heal.
type refuseHeal struct{}

func (refuseHeal) Fulfill(context.Context, billing.PaidCheckout, billing.Via) (billing.Outcome, error) {
	return billing.Outcome{}, apperr.New(apperr.Internal, "the steady state needs no heal")
}

func (refuseHeal) QueueHoldingEmail(context.Context, int64, billing.PaidCheckout, string) (bool, error) {
	return false, apperr.New(apperr.Internal, "the steady state needs no email")
}

// liveHeap is the heap the last garbage collection found reachable: what
// the program holds, without the garbage awaiting the next cycle.
func liveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// samplePeak records, every millisecond until stop, the largest live heap
// seen so far.
func samplePeak(peak *int64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if d := liveHeap(); d > atomic.LoadInt64(peak) {
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
// created over the last hour, ids pi_bench_<i> and ch_bench_<i>.
func writeSimState(b *testing.B, n int, now time.Time) string {
	pis := make([]map[string]any, n)
	charges := make([]map[string]any, n)
	for i := range n {
		created := now.Add(-time.Hour).Add(time.Duration(i) * time.Hour / time.Duration(n)).Unix()
		pi, ch := fmt.Sprintf("pi_bench_%d", i), fmt.Sprintf("ch_bench_%d", i)
		email := fmt.Sprintf("bench%d@example.test", i)
		pis[i] = map[string]any{"id": pi, "object": "payment_intent", "amount": 24900, "amount_received": 24900,
			"capture_method": "automatic", "created": created, "currency": "usd", "latest_charge": ch,
			"metadata": map[string]string{}, "payment_method_types": []string{"card"}, "receipt_email": email, "status": "succeeded"}
		charges[i] = map[string]any{"id": ch, "object": "charge", "amount": 24900, "amount_captured": 24900,
			"billing_details": map[string]any{"email": email}, "captured": true, "created": created, "currency": "usd",
			"metadata": map[string]string{}, "paid": true, "payment_intent": pi, "receipt_email": email, "status": "succeeded"}
	}
	state := map[string]any{"sessions": []any{}, "payment_intents": pis, "charges": charges, "refunds": []any{},
		"disputes": []any{}, "events": []any{}, "deliveries": []any{}, "idempotency": map[string]any{}}
	path := filepath.Join(b.TempDir(), "sim.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := json.NewEncoder(f).Encode(state); err != nil {
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
