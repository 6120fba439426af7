package stripeapi

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
