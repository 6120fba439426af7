package stripeapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

func TestErrorsMapToKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		kind      apperr.Kind
		msg       string
		retryable bool
	}{
		{"unknown id", 404, `{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such payment_intent: 'pi_x'","param":"id"}}`,
			apperr.NotFound, msgNotFound, false},
		{"card declined", 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card was declined."}}`,
			apperr.Invalid, "Your card was declined.", false},
		{"key reused with other params", 400, `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`,
			apperr.Conflict, msgConflict, false},
		{"rate limited", 429, `{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}`,
			apperr.Unavailable, msgRateLimited, true},
		{"processor failure", 500, `{"error":{"type":"api_error","message":"Something went wrong"}}`,
			apperr.Unavailable, msgUnavailable, true},
		{"proxy page", 502, `<html><body>Bad Gateway</body></html>`,
			apperr.Unavailable, msgUnavailable, true},
		{"bad parameter", 400, `{"error":{"type":"invalid_request_error","code":"parameter_unknown","param":"foo","message":"Received unknown parameter: foo"}}`,
			apperr.Invalid, msgRefused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.body[0] == '<' {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(tt.body))
					return
				}
				writeJSON(w, tt.status, tt.body)
			})
			c := newTestClient(t, api.URL, nil)

			_, err := c.GetPaymentIntent(context.Background(), "pi_x")

			require.Error(t, err)
			var ae *apperr.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tt.kind, ae.Kind, "error: %v", err)
			require.Equal(t, tt.msg, ae.Msg)
			require.Equal(t, tt.retryable, IsRetryable(err))
			if tt.body[0] == '{' {
				var se *stripe.Error
				require.ErrorAs(t, err, &se, "the stripe error stays in the chain")
				require.Equal(t, tt.status, se.HTTPStatusCode)
			}
		})
	}
}

func TestUnreachableProcessorIsUnavailable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now: connection refused

	c := newTestClient(t, "http://"+addr, nil)
	_, err = c.GetCharge(context.Background(), "ch_1")

	require.True(t, apperr.Is(err, apperr.Unavailable), "got %v", err)
	require.Equal(t, msgUnavailable, apperr.SafeMessage(err, ""))
	var opErr *net.OpError
	require.True(t, errors.As(err, &opErr), "the transport error stays in the chain")
}

func TestCancelledCallIsUnavailableAndKeepsTheCause(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	c := newTestClient(t, api.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := c.GetCharge(ctx, "ch_1")

	require.True(t, apperr.Is(err, apperr.Unavailable), "got %v", err)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, api.requests(), "no token taken, no request sent")
}
