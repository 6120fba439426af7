package stripeapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/backstophq/backstop/internal/health"
)

// slowCall is how long a processor answer may take before it counts as
// trouble: Stripe answers in well under a second, and a customer's page
// waits for it.
const slowCall = 3 * time.Second

// NewHealth returns the record of the processor's answers a Client keeps
// when Config.Health is set.
func NewHealth() *health.Calls { return &health.Calls{Slow: slowCall} }

// healthTransport records every request that reached the processor: a
// network error, a 5xx or a 429 of the processor's is a bad answer, and so
// is a slow one. Requests our own rate budget refused never get here.
type healthTransport struct {
	next  http.RoundTripper
	calls *health.Calls
}

func (t *healthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	failure := ""
	switch {
	case err != nil && req.Context().Err() != nil:
		return resp, err // our caller gave up: says nothing of the processor
	case err != nil:
		failure = err.Error()
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		failure = fmt.Sprintf("%s %s answered %s", req.Method, req.URL.Path, resp.Status)
	}
	t.calls.Record(time.Now(), time.Since(start), failure)
	return resp, err
}
