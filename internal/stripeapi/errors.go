package stripeapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	stripe "github.com/stripe/stripe-go/v76"
)

const (
	msgUnavailable = "payment processor is unavailable"
	msgRateLimited = "payment processor is rate limiting"
	msgRefused     = "payment processor refused the request"
	msgNotFound    = "payment processor has no such object"
	msgConflict    = "payment processor saw a conflicting request"
)

// IsRetryable reports whether err is worth retrying later: the processor was
// unreachable, slow, failing or rate limiting (kind Unavailable).
func IsRetryable(err error) bool { return apperr.Is(err, apperr.Unavailable) }

// fail turns an error from stripe-go into an *apperr.Error whose Err keeps
// the original chain (op: err) for logs and whose Msg is safe to show.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *stripe.Error
	if errors.As(err, &se) && se.RequestID == budgetRequestID {
		// Never sent: our own rate budget refused it (see budgetResponse).
		wait, _ := time.ParseDuration(se.Param)
		return &apperr.Error{Kind: apperr.Unavailable, Msg: msgRateLimited,
			Err: fmt.Errorf("stripeapi: %s: %w", op, &BudgetError{Wait: wait})}
	}
	wrapped := fmt.Errorf("stripeapi: %s: %w", op, err)
	kind, msg := classify(err)
	return &apperr.Error{Kind: kind, Msg: msg, Err: wrapped}
}

func classify(err error) (apperr.Kind, string) {
	var se *stripe.Error
	if errors.As(err, &se) {
		return classifyStripe(se)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return apperr.Unavailable, msgUnavailable
	}
	if status, ok := undecodedStatus(err); ok && (status >= 500 || status == http.StatusTooManyRequests) {
		return apperr.Unavailable, msgUnavailable
	}
	return apperr.Internal, ""
}

func classifyStripe(se *stripe.Error) (apperr.Kind, string) {
	switch {
	case se.Type == stripe.ErrorTypeCard:
		msg := se.Msg
		if msg == "" {
			msg = "The card was declined."
		}
		return apperr.Invalid, msg
	case se.Type == stripe.ErrorTypeIdempotency:
		return apperr.Conflict, msgConflict
	case se.HTTPStatusCode == http.StatusNotFound || se.Code == stripe.ErrorCodeResourceMissing:
		return apperr.NotFound, msgNotFound
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		return apperr.Unavailable, msgRateLimited
	case se.HTTPStatusCode == http.StatusConflict:
		// Another request with the same idempotency key is in flight;
		// stripe-go has already retried it.
		return apperr.Conflict, msgConflict
	case se.HTTPStatusCode >= 500:
		return apperr.Unavailable, msgUnavailable
	case se.HTTPStatusCode < 400:
		return apperr.Internal, ""
	default:
		return apperr.Invalid, msgRefused
	}
}

// undecodedRe matches the error stripe-go v76 returns when an error response
// is not JSON, such as a proxy's HTML 502 page.
var undecodedRe = regexp.MustCompile(`\(response status: (\d{3}),`)

func undecodedStatus(err error) (int, bool) {
	m := undecodedRe.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}

// required refuses an empty argument before stripe-go builds a bad URL or
// invents an idempotency key.
func required(name, value string) error {
	if value == "" {
		return apperr.New(apperr.Invalid, "stripeapi: "+name+" is required")
	}
	return nil
}
