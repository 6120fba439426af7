package stripeapi

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// limitedTransport makes every HTTP request wait for a token first. Sitting
// below stripe-go, it counts each list page and each of stripe-go's retries,
// which a limiter around the adapter's methods would miss.
type limitedTransport struct {
	next   http.RoundTripper
	bucket *bucket
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.bucket.wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper must close the body, even on error
		}
		return nil, err
	}
	return t.next.RoundTrip(req)
}

// clock is the time source of the bucket; tests replace it to count waits
// without sleeping.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bucket is a token bucket that hands out reservations: a caller takes a
// token at once, possibly driving the balance negative, and then sleeps
// until its token would have accrued. Callers are therefore served in the
// order they arrived, and nobody spins.
type bucket struct {
	clk   clock
	rate  float64 // tokens per second
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(rate float64, burst int, clk clock) *bucket {
	return &bucket{clk: clk, rate: rate, burst: float64(burst), tokens: float64(burst), last: clk.Now()}
}

// wait blocks until the caller may send one request, or returns ctx's error;
// a caller that gives up hands its token back.
func (b *bucket) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	if err := b.clk.Sleep(ctx, d); err != nil {
		b.mu.Lock()
		b.tokens++
		b.mu.Unlock()
		return err
	}
	return nil
}

// reserve takes a token and returns how long the caller must wait for it.
func (b *bucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clk.Now()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}
