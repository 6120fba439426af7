package recon_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/hostload"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// scaleSizesEnv overrides the sizes BenchmarkSweepVersusLoop runs, as a
// comma-separated list of charge counts (e.g. "10000,100000").
const scaleSizesEnv = "BACKSTOP_BENCH_SIZES"

// scaleRow is one line of the table BenchmarkSweepVersusLoop prints.
type scaleRow struct {
	charges    int
	sweep      time.Duration
	loop       time.Duration
	heapPeakMB float64
	steal      string // the host's share of CPU time during the timed sweep and loop
}

// BenchmarkSweepVersusLoop is the seed's method as a baseline. Over the
// same data — n fulfilled orders in PostgreSQL, and the processor's pages
// of n payment intents and n charges generated in memory by a fake
// recon.Lister, so no HTTP and no simulator is timed — it runs the
// set-based sweep (stage, classify, apply) and the seed cron's per-charge
// loop (one "does an order have this payment?" query per charge), and
// prints both times, their ratio and the sweep's peak retained heap (live
// heap after a forced collection, sampled every 20 ms during an untimed
// sweep over the same data, run before the timed one).
//
// Sizes are 10k, 100k and 1M charges, or BACKSTOP_BENCH_SIZES. Benchmarks
// never run under `go test` without -bench, so `make test` never pays for
// the 1M size; `make bench` does, in a few minutes.
func BenchmarkSweepVersusLoop(b *testing.B) {
	sizes := []int{10_000, 100_000, 1_000_000}
	if v := os.Getenv(scaleSizesEnv); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("%s: %q is not a positive count", scaleSizesEnv, f)
			}
			sizes = append(sizes, n)
		}
	}
	var rows []scaleRow
	for _, n := range sizes {
		b.Run(fmt.Sprintf("charges=%d", n), func(b *testing.B) {
			rows = append(rows, benchSweepVersusLoop(b, n))
		})
	}
	printScaleTable(rows)
}

func benchSweepVersusLoop(b *testing.B, n int) scaleRow {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	st, err := store.Open(ctx, dbtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	seedOrders(b, st, n, now)
	if _, err := st.DB().ExecContext(ctx, `ANALYZE orders`); err != nil {
		b.Fatal(err)
	}
	proc := pagesLister{n: n, now: now}
	sw := recon.NewSweeper(recon.Sweeper{Store: st, Proc: proc, Healer: refuseHeal{}, Lookback: 2 * time.Hour})
	row := scaleRow{charges: n}
	for b.Loop() {
		// The heap is sampled in a sweep of its own, before the timed one:
		// the collection forced every 20 ms would slow the timed sweep, and
		// the first sweep after the seeding pays for the machine writing
		// the seeded orders back to disk. A sweep runs every few minutes,
		// so the one timed runs after another, as the loop does.
		var peak int64
		stop := samplePeak(&peak)
		steadySweep(b, sw, n)
		stop()
		row.heapPeakMB = float64(peak) / (1 << 20)

		span := hostload.Start()
		start := time.Now()
		steadySweep(b, sw, n)
		row.sweep = time.Since(start)
		sweepSteal := span.StealText()

		span = hostload.Start()
		start = time.Now()
		found, err := seedLoop(ctx, st, proc)
		row.loop = time.Since(start)
		loopSteal := span.StealText()
		if err != nil {
			b.Fatal(err)
		}
		if found != n {
			b.Fatalf("the loop found %d of %d orders", found, n)
		}
		row.steal = sweepSteal + " / " + loopSteal
	}
	b.ReportMetric(row.sweep.Seconds(), "sweep_s")
	b.ReportMetric(row.loop.Seconds(), "loop_s")
	b.ReportMetric(row.loop.Seconds()/row.sweep.Seconds(), "loop/sweep")
	b.ReportMetric(row.heapPeakMB, "sweep_heap_MB")
	return row
}

// steadySweep runs one sweep over the benchmark's n payments, which all
// agree with their orders: nothing to heal, nothing to report.
func steadySweep(b *testing.B, sw *recon.Sweeper, n int) {
	res, err := sw.Run(b.Context(), recon.SweepOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if res.ObjectsSeen != 2*n || res.Healed != 0 || len(res.ByKind) != 0 {
		b.Fatalf("steady state expected, got %+v", res)
	}
}

// seedLoop is the seed's cron: for every charge the processor lists, one
// query asking whether an order has its payment intent or charge. It
// returns how many had one. Its SQL lives here rather than in the store:
// it is the baseline, not a way Backstop works.
func seedLoop(ctx context.Context, st *store.Store, proc recon.Lister) (int, error) {
	const q = `SELECT EXISTS (SELECT 1 FROM orders WHERE payment_intent_id = $1 OR charge_id = $2)`
	found := 0
	err := proc.ListCharges(ctx, billing.Range{}, func(c billing.Charge) error {
		var ok bool
		if err := st.DB().QueryRowContext(ctx, q, c.PaymentIntentID, c.ID).Scan(&ok); err != nil {
			return err
		}
		if ok {
			found++
		}
		return nil
	})
	return found, err
}

func printScaleTable(rows []scaleRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Println()
	fmt.Printf("Sweep versus the seed's per-charge loop, %d CPUs. The processor's pages are generated in memory\n", runtime.NumCPU())
	fmt.Println("by a fake recon.Lister (no HTTP, no simulator): payment intents as our checkout leaves them and")
	fmt.Println("their charges, every one matching a fulfilled order; no checkout sessions, refunds or disputes.")
	fmt.Printf("%9s | %9s | %9s | %10s | %19s | %s\n", "charges", "sweep", "loop", "loop/sweep", "sweep heap retained",
		"steal (sweep / loop)")
	for _, r := range rows {
		fmt.Printf("%9d | %8.2fs | %8.2fs | %9.1fx | %16.1f MB | %s\n", r.charges, r.sweep.Seconds(), r.loop.Seconds(),
			r.loop.Seconds()/r.sweep.Seconds(), r.heapPeakMB, r.steal)
	}
	first, last := rows[0], rows[len(rows)-1]
	fmt.Printf("retained heap at %d over %d: %.2fx\n", last.charges, first.charges, last.heapPeakMB/first.heapPeakMB)
	fmt.Println(hostload.StealNote)
	fmt.Printf("load average at the end (other work on the machine slows both): %s\n", hostload.LoadAverage())
	fmt.Println()
}

// pagesLister is the processor as the sweep sees it, generated in memory:
// n succeeded payment intents as our checkout leaves them (metadata
// order_id, public_ref and plan naming the order seedOrders inserted), each
// with its charge carrying the customer's email, created over the hour
// before now and streamed newest first one page of 100 at a time, so it
// holds no more than a page. There are no checkout sessions, refunds or
// disputes.
type pagesLister struct {
	n   int
	now time.Time
}

func (l pagesLister) created(i int) time.Time {
	return l.now.Add(-time.Hour).Add(time.Duration(i) * time.Hour / time.Duration(l.n))
}

// pages calls fn with the indexes n-1 … 0 in pages of 100.
func (l pagesLister) pages(fn func(i int) error) error {
	for hi := l.n; hi > 0; hi -= 100 {
		for i := hi - 1; i >= max(0, hi-100); i-- {
			if err := fn(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// ListPaymentIntents reuses one metadata map for every payment intent, as
// the sweep reads it only while fn runs: the processor's cost is not what
// the benchmark measures.
func (l pagesLister) ListPaymentIntents(_ context.Context, _ billing.Range, fn func(billing.Payment) error) error {
	md := map[string]string{billing.MetaPlan: "pro-yearly"}
	return l.pages(func(i int) error {
		n := strconv.Itoa(i)
		md[billing.MetaOrderID], md[billing.MetaPublicRef] = strconv.Itoa(i+1), "BK-BENCH-"+n
		return fn(billing.Payment{
			ID: "pi_bench_" + n, Status: "succeeded", Amount: 24900, Currency: "usd", LatestChargeID: "ch_bench_" + n,
			Metadata: md, Created: l.created(i),
		})
	})
}

func (l pagesLister) ListCharges(_ context.Context, _ billing.Range, fn func(billing.Charge) error) error {
	return l.pages(func(i int) error {
		n := strconv.Itoa(i)
		email := "bench" + n + "@example.test"
		return fn(billing.Charge{
			ID: "ch_bench_" + n, PaymentIntentID: "pi_bench_" + n, Amount: 24900, Currency: "usd",
			Status: "succeeded", Paid: true, ReceiptEmail: email, BillingEmail: email, Created: l.created(i),
		})
	})
}

func (pagesLister) ListCheckoutSessions(context.Context, billing.Range, func(billing.Session) error) error {
	return nil
}

func (pagesLister) ListRefunds(context.Context, billing.Range, func(billing.Refund) error) error {
	return nil
}

func (pagesLister) ListDisputes(context.Context, billing.Range, func(billing.Dispute) error) error {
	return nil
}

func (pagesLister) ListInvoices(context.Context, billing.Range, func(billing.Invoice) error) error {
	return nil
}

func (pagesLister) GetSubscription(context.Context, string) (billing.Subscription, error) {
	return billing.Subscription{}, apperr.New(apperr.NotFound, "no subscriptions in this benchmark")
}

func (pagesLister) ListSubscriptions(context.Context, billing.Range, func(billing.Subscription) error) error {
	return nil
}
