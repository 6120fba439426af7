package stripeapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestBucketRefusesAnEndedContextWithoutTakingAToken(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	b := newBucket(1, 1, clk)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, b.wait(ctx), context.Canceled)

	require.NoError(t, b.wait(context.Background()))
	n, _ := clk.slept()
	require.Zero(t, n)
}

func TestBucketLetsBurstThroughThenPacesAtRate(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	b := newBucket(10, 2, clk)
	start := clk.Now()

	for range 7 {
		require.NoError(t, b.wait(context.Background()))
	}

	n, total := clk.slept()
	require.Equal(t, 5, n, "the first 2 requests ride the burst, the other 5 wait")
	require.Equal(t, 500*time.Millisecond, total, "(7-2) requests at 10/s")
	require.Equal(t, 500*time.Millisecond, clk.Now().Sub(start))
}

func TestBucketRefillsWhileIdleUpToBurst(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	b := newBucket(10, 2, clk)
	for range 2 {
		require.NoError(t, b.wait(context.Background()))
	}
	clk.now = clk.now.Add(time.Hour) // idle: the bucket refills, but only to 2

	for range 3 {
		require.NoError(t, b.wait(context.Background()))
	}
	n, total := clk.slept()
	require.Equal(t, 1, n)
	require.Equal(t, 100*time.Millisecond, total)
}

func TestBucketGivesTheTokenBackWhenTheCallerGivesUp(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	b := newBucket(1, 1, clk)
	require.NoError(t, b.wait(context.Background()))

	clk.interrupt = context.DeadlineExceeded
	require.ErrorIs(t, b.wait(context.Background()), context.DeadlineExceeded)

	clk.now = clk.now.Add(time.Second) // one token accrues: the next caller needs no wait
	require.NoError(t, b.wait(context.Background()))
	n, _ := clk.slept()
	require.Zero(t, n)
}

func TestDefaultsFollowTheKeysMode(t *testing.T) {
	t.Parallel()
	test := withDefaults(Config{SecretKey: "sk_test_1"})
	require.Equal(t, 20.0, test.RatePerSec)
	require.Equal(t, 5, test.Burst, "burst + 1s of refill stays within Stripe's 25/s")
	require.Equal(t, 15*time.Second, test.Timeout)
	require.Equal(t, 2, test.MaxRetries)

	live := withDefaults(Config{SecretKey: "sk_live_1"})
	require.Equal(t, 80.0, live.RatePerSec)
	require.Equal(t, 20, live.Burst)
}

// deadlineCtx is a context whose deadline is on the fake clock.
type deadlineCtx struct {
	context.Context
	at time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.at, true }

func TestBucketRefusesAWaitPastTheDeadlineAtOnce(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	b := newBucket(2, 1, clk)
	require.NoError(t, b.wait(context.Background()))

	err := b.wait(deadlineCtx{context.Background(), clk.Now().Add(100 * time.Millisecond)})
	var be *BudgetError
	require.ErrorAs(t, err, &be)
	require.Equal(t, 500*time.Millisecond, be.RetryAfter(), "the next token, at 2/s")
	n, _ := clk.slept()
	require.Zero(t, n, "refused without waiting")

	require.NoError(t, b.wait(deadlineCtx{context.Background(), clk.Now().Add(time.Second)}), "the token was handed back")
	n, total := clk.slept()
	require.Equal(t, 1, n)
	require.Equal(t, 500*time.Millisecond, total)
}

// TestClientRefusedByTheBudgetSendsNothing: a call that cannot get a turn
// before its deadline is an Unavailable error carrying the wait, the
// processor never sees it, and stripe-go does not retry it.
func TestClientRefusedByTheBudgetSendsNothing(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":"ch_1","object":"charge"}`) })
	c, err := New(Config{SecretKey: "sk_test_123", APIBase: api.URL, RatePerSec: 1, Burst: 1})
	require.NoError(t, err)
	_, err = c.GetCharge(context.Background(), "ch_1")
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.GetCharge(ctx, "ch_1")
	require.True(t, apperr.Is(err, apperr.Unavailable), "%v", err)
	require.Equal(t, msgRateLimited, apperr.SafeMessage(err, ""))
	var be *BudgetError
	require.ErrorAs(t, err, &be)
	require.InDelta(t, time.Second.Seconds(), be.RetryAfter().Seconds(), 0.2)
	require.Less(t, time.Since(start), 100*time.Millisecond, "refused at once, not at the deadline")
	require.Len(t, api.requests(), 1, "the refused call never reached the processor")
}
