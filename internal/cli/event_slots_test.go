package cli

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/stripeapi"
)

// TestEventsShareTheirSlots: twelve events handled at once with three
// event slots never have more than three transactions open, use all
// three, and are all served.
func TestEventsShareTheirSlots(t *testing.T) {
	t.Parallel()
	ts := newTestStack(t)
	fast, err := stripeapi.New(stripeapi.Config{SecretKey: testAPIKey, APIBase: ts.sim.URL, RatePerSec: 1e6})
	require.NoError(t, err)
	evs := paidCheckoutEvents(t, ts, ts.billingWith(fast), 12, 4)
	counting := &concurrentTxs{Store: ts.billingStore}
	svc := billing.NewService(billing.Deps{Store: counting, Processor: fast, BaseURL: ts.cfg.BaseURL, EventSlots: 3})

	var wg sync.WaitGroup
	errs := make([]error, len(evs))
	for i, ev := range evs {
		wg.Go(func() { errs[i] = svc.HandleEvent(context.Background(), verified(t, ev.body), billing.SourceWebhook) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(3), counting.peak.Load(), "transactions open at once")
	require.Equal(t, len(evs), ts.count(t, `SELECT count(*) FROM orders WHERE status = 'fulfilled'`))
}

// concurrentTxs counts the transactions its Store has open at once, each
// held a little longer so that unbounded ones would overlap.
type concurrentTxs struct {
	billing.Store
	open, peak atomic.Int32
}

func (c *concurrentTxs) InTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	n := c.open.Add(1)
	defer c.open.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	time.Sleep(20 * time.Millisecond)
	return c.Store.InTx(ctx, fn)
}
