package cli

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/hostload"
)

// BenchmarkWebhookStatements counts what one checkout.session.completed
// costs the database, a figure that does not depend on the machine's load:
// it turns on log_statement for the benchmark's own database, posts
// BACKSTOP_BENCH_EVENTS events (default 200) with the processor answered
// at the port, and reads the statements back from the server's log. A
// statement with parameters goes through the extended protocol, which
// lib/pq sends in one round trip with binary_parameters on (as the store
// opens it) and in two without (Parse, then Bind/Execute); one without
// parameters is a single simple query. It prints each statement's count
// per event, and reports statements/event and this process's CPU and
// allocations per event (the app, and the clients signing and posting). Background work (River polling, email delivery)
// in the same window is counted too, and shows in the table.
// (go test -run '^$' -bench WebhookStatements -benchtime 1x ./internal/cli)
func BenchmarkWebhookStatements(b *testing.B) {
	events := envInt(b, throughputEventsEnv, 200)
	ts := newTestStack(b)
	db := ts.store.DB()
	var dataDir, dbName string
	if err := db.Get(&dataDir, `SELECT current_setting('data_directory')`); err != nil {
		b.Fatal(err)
	}
	if err := db.Get(&dbName, `SELECT current_database()`); err != nil {
		b.Fatal(err)
	}
	// Only new connections log; the pool is emptied below so every one is new.
	if _, err := db.Exec(fmt.Sprintf(`ALTER DATABASE %q SET log_statement = 'all'`, dbName)); err != nil {
		b.Fatal(err)
	}
	db.SetMaxIdleConns(0)
	db.SetMaxIdleConns(10)
	port := &recordedPort{Processor: ts.proc}
	ts.billing = ts.billingWith(port)
	url := serveApp(b, ts)
	logFile := filepath.Join(dataDir, "log")

	for b.Loop() {
		evs := paidCheckoutEvents(b, ts, ts.billing, events, 4)
		port.record(b, ts.proc, evs)
		port.instant.Store(true)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		from, cpu := fileSize(b, logFile), processCPU(b)
		done := postClosed(b, url, ts.cfg.StripeWebhookSecret, evs, 4)
		cpu = processCPU(b) - cpu
		runtime.ReadMemStats(&after)
		allocs := float64(after.Mallocs-before.Mallocs) / float64(len(evs))
		kb := float64(after.TotalAlloc-before.TotalAlloc) / 1024 / float64(len(evs))
		if n := port.passed.Load(); n > 0 {
			b.Fatalf("%d processor calls were not answered at the port", n)
		}
		counts := readStatements(b, logFile, from)
		report(b, counts, len(evs))
		fmt.Printf("this process's CPU while posting (the app and the posting clients): %.3f ms/event\n", cpu.Seconds()*1000/float64(len(evs)))
		fmt.Printf("%.0f events/s with 4 clients and log_statement on, p50 %s, p99 %s, load %s\n\n",
			done.rate(), ms(done.quantile(0.5)), ms(done.quantile(0.99)), hostload.LoadAverage())
		fmt.Printf("this process's allocations while posting: %.0f allocs/event, %.0f KiB/event\n\n", allocs, kb)
		b.ReportMetric(cpu.Seconds()*1000/float64(len(evs)), "cpu_ms/event")
		b.ReportMetric(allocs, "allocs/event")
	}
}

// processCPU is the user and system CPU this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// stmtKind is a statement's text cut short, and whether it had parameters.
type stmtKind struct {
	text     string
	extended bool
}

var logEntry = regexp.MustCompile(`^\S+ \S+ \S+ \[\d+\] LOG:  (statement|execute [^:]*): (.*)$`)

// readStatements counts the statements logged after offset from.
func readStatements(b *testing.B, path string, from int64) map[stmtKind]int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(from, 0); err != nil {
		b.Fatal(err)
	}
	counts := map[stmtKind]int{}
	var cur *stmtKind
	var text strings.Builder
	flush := func() {
		if cur != nil {
			cur.text = strings.Join(strings.Fields(text.String()), " ")
			cur.text = cur.text[:min(len(cur.text), 100)]
			counts[*cur]++
		}
		cur = nil
		text.Reset()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "\t") {
			if cur != nil {
				text.WriteString(" " + line)
			}
			continue
		}
		flush()
		if m := logEntry.FindStringSubmatch(line); m != nil {
			cur = &stmtKind{extended: m[1] != "statement"}
			text.WriteString(m[2])
		}
	}
	flush()
	return counts
}

func report(b *testing.B, counts map[stmtKind]int, events int) {
	kinds := make([]stmtKind, 0, len(counts))
	var stmts, extended int
	for k, n := range counts {
		kinds = append(kinds, k)
		stmts += n
		if k.extended {
			extended += n
		}
	}
	slices.SortFunc(kinds, func(x, y stmtKind) int { return cmp.Or(counts[y]-counts[x], strings.Compare(x.text, y.text)) })
	fmt.Printf("\nStatements logged while %d events were posted (per event; * = parameters, extended protocol)\n", events)
	for _, k := range kinds {
		mark := " "
		if k.extended {
			mark = "*"
		}
		fmt.Printf("%6.2f %s %s\n", float64(counts[k])/float64(events), mark, k.text)
	}
	fmt.Printf("total %.2f statements/event (%.2f with parameters): as many round trips with binary_parameters, %.2f without\n\n",
		float64(stmts)/float64(events), float64(extended)/float64(events), float64(stmts+extended)/float64(events))
	b.ReportMetric(float64(stmts)/float64(events), "statements/event")
}
