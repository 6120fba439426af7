package cli

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// TestSlowProcessorBurstLeavesPagesAlone: with the processor answering
// each call after 2 s and 60 genuine webhooks in flight, GET / and a
// customer's /status/{ref} answer as they did just before the burst
// (medians and maxima of one run), and the processor reads of all 60 are
// in flight at once: no webhook waits on another's network call.
func TestSlowProcessorBurstLeavesPagesAlone(t *testing.T) {
	t.Parallel()
	const burst, latency = 60, 2 * time.Second
	ts := newTestStack(t)
	// No rate budget: what is measured is waiting on the network, not on
	// the budget's tokens.
	fast := ts.unbudgeted(t)
	evs := paidCheckoutEvents(t, ts, ts.billingWith(fast), burst, 4)
	port := &callsInFlight{Processor: fast}
	ts.billing = ts.billingWith(port)
	url := serveApp(t, ts)
	var ref string
	require.NoError(t, ts.store.DB().Get(&ref, `SELECT public_ref FROM orders ORDER BY id LIMIT 1`))
	pages := []string{url + "/", url + "/status/" + ref}
	ts.simPost(t, "/_sim/faults", `{"api_latency_ms": 2000}`)

	before := timePages(t, pages, 15, nil)
	hc := benchClient(burst)
	var answered sync.WaitGroup
	failed := make(chan error, burst)
	for _, ev := range evs {
		answered.Go(func() {
			if err := post(hc, url, ts.cfg.StripeWebhookSecret, ev); err != nil {
				failed <- err
			}
		})
	}
	burstDone := make(chan struct{})
	go func() { answered.Wait(); close(burstDone) }()
	during := timePages(t, pages, 0, burstDone)
	close(failed)
	for err := range failed {
		require.NoError(t, err)
	}

	require.Equal(t, int32(burst), port.peak.Load(), "processor calls in flight at once")
	require.Equal(t, burst, ts.count(t, `SELECT count(*) FROM orders WHERE status = 'fulfilled'`))
	for _, page := range pages {
		b, d := before[page], during[page]
		t.Logf("%s: before median %s max %s (%d); during the burst median %s max %s (%d)",
			page[len(url):], median(b), slices.Max(b), len(b), median(d), slices.Max(d), len(d))
		require.GreaterOrEqual(t, len(d), 5, "pages asked during the burst")
		// A page held behind the burst waits whole processor calls; one
		// that is not answers in milliseconds, the suite's load aside.
		require.Less(t, median(d), median(b)+100*time.Millisecond, "median during the burst")
		require.Less(t, slices.Max(d), latency/2, "slowest page during the burst")
	}
}

// timePages asks each page in turn, n rounds, or until stop closes, and
// returns each page's latencies.
func timePages(t *testing.T, pages []string, n int, stop <-chan struct{}) map[string][]time.Duration {
	t.Helper()
	out := map[string][]time.Duration{}
	for round := 0; n == 0 || round < n; round++ {
		select {
		case <-stop:
			return out
		default:
		}
		for _, page := range pages {
			start := time.Now()
			resp, err := http.Get(page)
			require.NoError(t, err)
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, page)
			out[page] = append(out[page], time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return out
}

// callsInFlight is a processor that counts the checkout-session reads
// (an event's first processor call) in flight at once.
type callsInFlight struct {
	billing.Processor
	atOnce
}

func (c *callsInFlight) GetCheckoutSession(ctx context.Context, id string) (billing.Session, error) {
	defer c.enter()()
	return c.Processor.GetCheckoutSession(ctx, id)
}
