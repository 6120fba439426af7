package stripeapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHealthRecordsTheProcessorsBadAnswersOnly: 500s from the processor
// put it in trouble; requests our own budget refused are not its fault and
// are not recorded; good answers bring it back.
func TestHealthRecordsTheProcessorsBadAnswersOnly(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	failing.Store(true)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			writeJSON(w, 500, `{"error":{"type":"api_error","message":"down"}}`)
			return
		}
		writeJSON(w, 200, `{"id":"ch_1","object":"charge"}`)
	})
	h := NewHealth()
	c, err := New(Config{SecretKey: "sk_test_123", APIBase: api.URL, MaxRetries: -1, RatePerSec: 1000, Burst: 100, Health: h})
	require.NoError(t, err)
	for range 5 {
		_, err = c.GetCharge(context.Background(), "ch_1")
		require.Error(t, err)
	}
	require.Contains(t, h.Problem(), "GET /v1/charges/ch_1 answered 500")

	failing.Store(false)
	for range 5 {
		_, err = c.GetCharge(context.Background(), "ch_1")
		require.NoError(t, err)
	}
	require.Empty(t, h.Problem(), "five good answers in a row end the trouble")

	// Our own budget's refusals never reach the processor nor its record.
	tight, err := New(Config{SecretKey: "sk_test_123", APIBase: api.URL, RatePerSec: 0.001, Burst: 1, Health: h})
	require.NoError(t, err)
	_, err = tight.GetCharge(context.Background(), "ch_1")
	require.NoError(t, err)
	for range 6 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err = tight.GetCharge(ctx, "ch_1")
		cancel()
		require.Error(t, err)
	}
	require.Empty(t, h.Problem(), "a refusal of our budget is not the processor's trouble")
}
