package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
	"github.com/backstophq/backstop/internal/fault"
)

// TestTwoInstances: two `backstop serve` on one database behind a proxy
// that alternates every request (the processor's webhooks and the
// customers' pages) between them, both running sweeps every 2 s. One is
// armed to die in the middle of a sweep (sweep.mid_page); the other runs
// the next sweep to completion. Sweeps never overlap, both instances serve
// pages throughout (polled every 100 ms, failures counted except for the
// dead one while it is down), and after the killed one is back and more
// customers have paid, the invariant checker finds nothing.
func TestTwoInstances(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_SWEEP_INTERVAL=2s", "RECON_EVENTS_INTERVAL=1s", "RECON_GRACE=1ms", "STRIPE_RATE_LIMIT=200"}
	addrs := []string{e2e.FreeAddr(t), e2e.FreeAddr(t)}
	lb := startRoundRobin(t, w.appAddr, addrs)
	start := func(i int, faults string) *e2e.Proc {
		p := e2e.Start(t, w.bin, []string{"serve"}, append(w.env(faults), "LISTEN_ADDR="+addrs[i]))
		p.WaitHTTP(t, "http://"+addrs[i]+"/healthz", 20*time.Second)
		return p
	}
	doomed := start(0, fault.SweepMidPage)
	survivor := start(1, "")
	polls := []*poller{startPoller(t, addrs[0]), startPoller(t, addrs[1])}

	shop := shopper{t: t, w: w, tally: &tally{}}
	customers := func(n int, round string) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				shop.customer(fmt.Sprintf("two-%s-%d-%s@example.test", round, i, randHex(3)), rand.New(rand.NewPCG(uint64(i), 2)))
			}()
		}
		wg.Wait()
	}
	customers(20, "a")

	require.True(t, doomed.KilledBySIGKILL(90*time.Second), "instance 0 should die in a sweep:\n%s", doomed.Output())
	died := time.Now()
	require.Contains(t, doomed.Output(), "fault point "+fault.SweepMidPage+" reached")
	w.eventually(60*time.Second, "the other instance completes a sweep after the kill", func() bool {
		return w.count(`SELECT count(*) FROM recon_runs WHERE kind = 'sweep' AND error IS NULL AND started_at > $1`, died) > 0
	})
	revived := start(0, "")
	back := time.Now()
	polls[0].exclude(died.Add(-time.Second), back)
	customers(10, "b")

	w.retryWebhooks()
	vs := w.untilClean(150 * time.Second)
	var served [2]int
	var failed [2][]time.Time
	for i, p := range polls {
		served[i], failed[i] = p.stop()
	}
	if len(vs) == 0 {
		stopGracefully(t, revived)
		stopGracefully(t, survivor)
		vs = w.check() // the final state: a job still running was left by the killed process
	}
	for _, v := range vs {
		t.Error(v.String())
	}
	require.Equal(t, int64(30), shop.tally.paid.Load())
	requireSweepsNeverOverlap(t, w)
	for i := range polls {
		t.Logf("instance %d: %d pages served, %d failed outside its kill", i, served[i], len(failed[i]))
		require.Empty(t, failed[i], "instance %d failed to serve a page", i)
		require.Greater(t, served[i], 50, "instance %d was polled throughout", i)
	}
	hits := lb.hits()
	require.Positive(t, hits[0])
	require.Positive(t, hits[1])
}

// requireSweepsNeverOverlap: each sweep started after the one before it
// finished. A run killed with its process has no end of its own (the next
// run marks it interrupted when it starts), so it only has to have started
// before the next one.
func requireSweepsNeverOverlap(t *testing.T, w *world) {
	t.Helper()
	var runs []struct {
		ID          int64      `db:"id"`
		Started     time.Time  `db:"started_at"`
		Finished    *time.Time `db:"finished_at"`
		Interrupted bool       `db:"interrupted"`
	}
	require.NoError(t, w.db.Select(&runs, `
		SELECT id, started_at, finished_at, COALESCE(error LIKE 'interrupted%', false) AS interrupted
		FROM recon_runs WHERE kind = 'sweep' ORDER BY started_at, id`))
	require.GreaterOrEqual(t, len(runs), 3)
	interrupted := 0
	for i := 1; i < len(runs); i++ {
		prev, next := runs[i-1], runs[i]
		if prev.Interrupted {
			interrupted++
			continue
		}
		require.NotNil(t, prev.Finished, "run %d never finished nor was marked interrupted", prev.ID)
		require.False(t, next.Started.Before(*prev.Finished), "sweep %d started at %s, before sweep %d finished at %s",
			next.ID, next.Started, prev.ID, *prev.Finished)
	}
	require.Positive(t, interrupted, "the killed sweep is marked interrupted")
}

// roundRobin is the load balancer: a reverse proxy that sends each request
// to the next backend in turn, answering 502 when that one is down.
type roundRobin struct {
	mu    sync.Mutex
	count []int
}

func startRoundRobin(t *testing.T, listen string, backends []string) *roundRobin {
	t.Helper()
	rr := &roundRobin{count: make([]int, len(backends))}
	var next atomic.Int64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int(next.Add(1)-1) % len(backends)
			rr.mu.Lock()
			rr.count[i]++
			rr.mu.Unlock()
			r.SetURL(&url.URL{Scheme: "http", Host: backends[i]})
			r.Out.Host = r.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) },
	}
	ln, err := net.Listen("tcp", listen)
	require.NoError(t, err)
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return rr
}

func (rr *roundRobin) hits() []int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]int(nil), rr.count...)
}

// poller asks one instance for the pricing page every 100 ms and keeps the
// times of the failures.
type poller struct {
	mu      sync.Mutex
	ok      int
	failed  []time.Time
	skip    [][2]time.Time
	done    chan struct{}
	stopped chan struct{}
}

func startPoller(t *testing.T, addr string) *poller {
	p := &poller{done: make(chan struct{}), stopped: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second}
	go func() {
		defer close(p.stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-tick.C:
			}
			at := time.Now()
			resp, err := client.Get("http://" + addr + "/")
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				resp.Body.Close()
			}
			p.mu.Lock()
			if ok {
				p.ok++
			} else {
				p.failed = append(p.failed, at)
			}
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			close(p.done)
		}
		<-p.stopped
	})
	return p
}

// exclude forgives the failures in [from, to]: the instance was down.
func (p *poller) exclude(from, to time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.skip = append(p.skip, [2]time.Time{from, to})
}

// stop ends the polling and returns the pages served and the failures
// outside the excluded windows.
func (p *poller) stop() (ok int, failed []time.Time) {
	close(p.done)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, at := range p.failed {
		forgiven := false
		for _, w := range p.skip {
			forgiven = forgiven || (!at.Before(w[0]) && !at.After(w[1]))
		}
		if !forgiven {
			failed = append(failed, at)
		}
	}
	return p.ok, failed
}
