package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// TestFailingEventBacksOffThenIsLeftForAPerson: a correctly signed event
// for a checkout session the processor does not have fails at the webhook
// and at every retry. On a fake clock, catch-up tries it again 30 s after
// it arrived, then after 1, 2, 4 … minutes capped at an hour, never before
// its time; at the 12th failed attempt it stops, opens one event_failed
// mismatch with the event's id, type and last error, and raises the events
// alert once. A later delivery of the event is acknowledged without asking
// the processor.
func TestFailingEventBacksOffThenIsLeftForAPerson(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Second)
	clock := start
	s.catchUp.Now = func() time.Time { return clock }
	a := s.recon.alerter
	a.Now, a.Email = s.catchUp.Now, "ops@shop.test"
	a.Watches = []recon.Watch{{Kind: "events", Interval: 24 * time.Hour}} // no dead man's switch in 5 fake hours

	body := forged(billing.EventCheckoutCompleted, map[string]any{"id": "cs_nobody_has_this", "object": "checkout.session"})
	var ev struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &ev))
	resp, _ := s.do(t, signed(body, testSecret, time.Now()))
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode, "the processor redelivers a failed event")
	attempts := func() int {
		return s.count(t, `SELECT attempts FROM processor_events WHERE id = $1`, ev.ID)
	}
	catchUp := func() {
		t.Helper()
		_, err := s.catchUp.Run(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, 1, attempts())

	// The webhook's failure: due 30 s after it was received (received_at is
	// the database's clock, within a second or two after start).
	notBefore, due := start.Add(29*time.Second), start.Add(33*time.Second)
	var waits []time.Duration
	last := start
	for n := 1; n < recon.DefaultRetry.Attempts; n++ {
		clock = notBefore
		catchUp()
		require.Equal(t, n, attempts(), "attempt %d is not due at %s", n+1, clock.Sub(start))
		clock = due
		catchUp()
		require.Equal(t, n+1, attempts(), "attempt %d is due at %s", n+1, clock.Sub(start))
		waits = append(waits, clock.Sub(last))
		last = clock
		next := s.nextRetry(t, ev.ID)
		if n+1 < recon.DefaultRetry.Attempts {
			notBefore, due = next.Add(-time.Second), next
		}
	}
	require.Equal(t, []time.Duration{
		time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, time.Hour, time.Hour, time.Hour, time.Hour,
	}, waits[1:], "after the first retry (30 s after receipt), each wait doubles, capped at an hour")

	require.Equal(t, recon.DefaultRetry.Attempts, attempts())
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE id = $1 AND given_up_at IS NOT NULL AND processed_at IS NULL`, ev.ID))
	for range 3 {
		clock = clock.Add(48 * time.Hour)
		catchUp()
	}
	require.Equal(t, recon.DefaultRetry.Attempts, attempts(), "no attempt after the cap")

	open := s.mismatches(t, "open")
	require.Len(t, open, 1)
	require.Equal(t, billing.KindEventFailed, open[0].Kind)
	require.Equal(t, "event:"+ev.ID, open[0].Subject)
	var evidence map[string]any
	require.NoError(t, json.Unmarshal(open[0].Evidence, &evidence))
	require.Equal(t, ev.ID, evidence["event_id"])
	require.Equal(t, billing.EventCheckoutCompleted, evidence["type"])
	require.Contains(t, evidence["last_error"], "no such object")
	require.EqualValues(t, recon.DefaultRetry.Attempts, evidence["attempts"])

	for range 3 {
		require.NoError(t, a.Check(ctx))
	}
	require.Equal(t, []string{"staff_alert"}, s.emailsTo(t, "ops@shop.test"), "one alert however often it is checked")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE to_email = 'ops@shop.test' AND text_body LIKE '%' || $1 || '%'`, ev.ID))
	_, ready := s.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Contains(t, ready, "given up")

	calls := s.simAPIRequests(t)
	resp, _ = s.do(t, signed(body, testSecret, time.Now()))
	require.Equal(t, http.StatusOK, resp.StatusCode, "a given-up event's delivery is acknowledged")
	require.Equal(t, calls, s.simAPIRequests(t), "without a processor call")
	require.Equal(t, recon.DefaultRetry.Attempts, attempts())
}

func (s *testStack) nextRetry(t *testing.T, id string) time.Time {
	t.Helper()
	var at *time.Time
	require.NoError(t, s.store.DB().Get(&at, `SELECT next_retry_at FROM processor_events WHERE id = $1`, id))
	if at == nil {
		return time.Time{}
	}
	return at.UTC()
}

func (s *testStack) simAPIRequests(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.sim.URL+"/_sim/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var stats struct {
		APIRequests int `json:"api_requests"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&stats))
	return stats.APIRequests
}
