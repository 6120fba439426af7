package stripeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BudgetError is why a request was never sent: the processor's rate budget
// (this process's token bucket) could not give it a turn before its
// deadline. Wait is how long until it would have; RetryAfter tells the web
// layer what to put in a 503's Retry-After.
type BudgetError struct {
	Wait time.Duration
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("processor rate budget used up: a request fits again in %s", e.Wait.Round(time.Millisecond))
}

// RetryAfter is how long a caller should wait before trying again.
func (e *BudgetError) RetryAfter() time.Duration { return e.Wait }

// budgetRequestID marks the 429 the transport answers by itself for a
// request that cannot get a token before its deadline. No request is sent,
// the answer tells stripe-go not to retry (its retries sleep without
// looking at the context), and its param carries the wait, so that fail
// turns it back into a *BudgetError.
const budgetRequestID = "backstop_rate_budget"

// limitedTransport makes every HTTP request wait for a token first. Sitting
// below stripe-go, it counts each list page and each of stripe-go's retries,
// which a limiter around the adapter's methods would miss. A request whose
// turn would come after its context's deadline is refused at once, rather
// than holding its caller (a customer's page, usually) for the whole wait
// to fail anyway.
type limitedTransport struct {
	next   http.RoundTripper
	bucket *bucket
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.bucket.wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper must close the body, even on error
		}
		var be *BudgetError
		if errors.As(err, &be) {
			return budgetResponse(req, be.Wait), nil
		}
		return nil, err
	}
	return t.next.RoundTrip(req)
}

// budgetResponse is a Stripe-style 429 for a request the budget refused.
func budgetResponse(req *http.Request, wait time.Duration) *http.Response {
	body := fmt.Sprintf(`{"error":{"type":"invalid_request_error","code":"rate_limit","param":%q,"message":"%s"}}`,
		wait.String(), (&BudgetError{Wait: wait}).Error())
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Request-Id", budgetRequestID)
	h.Set("Stripe-Should-Retry", "false")
	h.Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	return &http.Response{
		Status: "429 Too Many Requests", StatusCode: http.StatusTooManyRequests,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
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

// wait blocks until the caller may send one request, or returns ctx's
// error; a caller that gives up hands its token back. A caller whose turn
// would come after ctx's deadline gets a *BudgetError at once, and its
// token back.
func (b *bucket) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	if deadline, ok := ctx.Deadline(); ok && b.clk.Now().Add(d).After(deadline) {
		b.giveBack()
		return &BudgetError{Wait: d}
	}
	if err := b.clk.Sleep(ctx, d); err != nil {
		b.giveBack()
		return err
	}
	return nil
}

func (b *bucket) giveBack() {
	b.mu.Lock()
	b.tokens++
	b.mu.Unlock()
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
