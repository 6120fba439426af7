package cli

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// TestEventsShareTheirSlots: twelve events handled at once with three
// event slots never have more than three transactions open, use all
// three, and are all served.
func TestEventsShareTheirSlots(t *testing.T) {
	t.Parallel()
	ts := newTestStack(t)
	fast := ts.unbudgeted(t)
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
	atOnce
}

func (c *concurrentTxs) InTx(ctx context.Context, fn func(tx billing.Tx) error) error {
	defer c.enter()()
	time.Sleep(20 * time.Millisecond)
	return c.Store.InTx(ctx, fn)
}

// atOnce counts what runs at once, and the most that ever did.
type atOnce struct{ open, peak atomic.Int32 }

// enter counts one more running, and returns what counts it done.
func (a *atOnce) enter() (leave func()) {
	n := a.open.Add(1)
	for p := a.peak.Load(); n > p && !a.peak.CompareAndSwap(p, n); p = a.peak.Load() {
	}
	return func() { a.open.Add(-1) }
}
