package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// deliver posts a correctly signed webhook and returns the status.
func (s *testStack) deliver(t *testing.T, body []byte) int {
	t.Helper()
	resp, err := s.app.Test(signed(body, testSecret, time.Now()), -1)
	require.NoError(t, err)
	return resp.StatusCode
}

// TestRedeliveryCostsNoProcessorCall: once an event is processed, its
// redeliveries (by the processor or by catch-up) are answered from the
// database alone: the simulator counts no further API request.
func TestRedeliveryCostsNoProcessorCall(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "redelivered@example.test")
	body := s.event(t, billing.EventCheckoutCompleted)
	require.Equal(t, http.StatusOK, s.deliver(t, body))
	s.requireOneEffect(t, order.ID)
	first := s.simStats(t)
	require.Equal(t, 1, first["GET /v1/checkout/sessions/{id}"], "the first delivery asked the processor")

	for range 3 {
		require.Equal(t, http.StatusOK, s.deliver(t, body))
	}
	err := s.billing.HandleEvent(context.Background(), verified(t, body), billing.SourceEventCatchup)
	require.NoError(t, err)

	require.Equal(t, first, s.simStats(t), "redeliveries made processor calls")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE processed_at IS NOT NULL AND attempts = 1`))
	s.requireOneEffect(t, order.ID)
}

// TestTwoInstancesRaceOnOneEvent: two app instances on one database get the
// same event at once while the processor is slow, so both read it before
// either has handled it. The event's row lock and the second look at
// processed_at under it make one of them handle it and the other stop.
func TestTwoInstancesRaceOnOneEvent(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "two-instances@example.test")
	body := s.event(t, billing.EventCheckoutCompleted)
	other := s.billingWith(s.proc)
	s.simPost(t, "/_sim/faults", `{"api_latency_ms": 300}`)

	ev := verified(t, body)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, svc := range []*billing.Service{s.billing, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- svc.HandleEvent(context.Background(), ev, billing.SourceWebhook)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 2, s.simStats(t)["GET /v1/checkout/sessions/{id}"], "both read the processor before either handled it")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE processed_at IS NOT NULL AND attempts = 1`),
		"handled once")
	s.requireOneEffect(t, order.ID)
}

// TestNoTransactionWaitsOnTheProcessor: while the processor takes a second
// to answer each call, no connection of ours sits idle inside a
// transaction: what the event needs is read before any transaction opens.
func TestNoTransactionWaitsOnTheProcessor(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "slow-processor@example.test")
	body := s.event(t, billing.EventCheckoutCompleted)
	s.simPost(t, "/_sim/faults", `{"api_latency_ms": 1000}`)

	done := make(chan int, 1)
	go func() {
		resp, err := s.app.Test(signed(body, testSecret, time.Now()), -1)
		if err != nil {
			done <- 0
			return
		}
		done <- resp.StatusCode
	}()
	held := 0
	for status := 0; status == 0; {
		select {
		case status = <-done:
			require.Equal(t, http.StatusOK, status)
		case <-time.After(50 * time.Millisecond):
			held = max(held, s.count(t, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND state LIKE 'idle in transaction%'
					AND now() - state_change > interval '200 milliseconds'`))
		}
	}
	require.Zero(t, held, "a transaction stayed open while the processor was asked")
	s.requireOneEffect(t, order.ID)
}

// verified is the event a webhook body carries, as the endpoint reads it.
func verified(t *testing.T, body []byte) billing.Event {
	t.Helper()
	var raw struct {
		ID      string `json:"id"`
		Type    string `json:"type"`
		Created int64  `json:"created"`
		Data    struct {
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &raw))
	return billing.Event{ID: raw.ID, Type: raw.Type, ObjectID: raw.Data.Object.ID, Created: time.Unix(raw.Created, 0), Raw: body}
}

// TestFailedEffectLeavesTheEventToRetry: the processor answered, but
// handling the event failed inside its transaction, with the transaction
// itself still usable (here the email's template is missing, an error in Go,
// not in SQL). Nothing of the handling is kept, not even the event's claim:
// it is left unprocessed with the error on it and answered 500, and the next
// delivery serves the order once.
func TestFailedEffectLeavesTheEventToRetry(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "failed-effect@example.test")
	body := s.event(t, billing.EventCheckoutCompleted)
	db := s.store.DB()
	access := `name IN ('order_confirmation', 'delayed_fulfillment')`
	_, err := db.Exec(`CREATE TABLE hidden_templates AS SELECT * FROM email_templates WHERE ` + access)
	require.NoError(t, err)
	_, err = db.Exec(`DELETE FROM email_templates WHERE ` + access)
	require.NoError(t, err)

	require.Equal(t, http.StatusInternalServerError, s.deliver(t, body), "the processor redelivers on 5xx")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events
		WHERE processed_at IS NULL AND attempts = 1 AND last_error LIKE '%template%'`))
	require.Equal(t, billing.StatusPending, s.orderByRef(t, order.PublicRef).Status)
	require.Zero(t, s.count(t, `SELECT count(*) FROM entitlement_grants`), "the failed handling left nothing behind")
	require.Zero(t, s.count(t, `SELECT count(*) FROM order_events WHERE kind = 'fulfilled'`))

	_, err = db.Exec(`INSERT INTO email_templates SELECT * FROM hidden_templates`)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, s.deliver(t, body))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE processed_at IS NOT NULL AND attempts = 2 AND last_error IS NULL`))
	s.requireOneEffect(t, order.ID)
}

// overtakenProcessor is a processor whose session read fails, but only
// after another instance has handled the event in the meantime.
type overtakenProcessor struct {
	billing.Processor
	meanwhile func()
}

func (p overtakenProcessor) GetCheckoutSession(ctx context.Context, id string) (billing.Session, error) {
	p.meanwhile()
	return billing.Session{}, errors.New("processor unreachable from this instance")
}

// TestFailureAfterAnotherInstanceServedRecordsNothing: one instance fails
// to read the processor while another instance handles the same event.
// The failure is answered (the delivery is retried, and then deduped), but
// not written on an event already processed: its record stays the one
// attempt that served it, with no error.
func TestFailureAfterAnotherInstanceServedRecordsNothing(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "overtaken@example.test")
	ev := verified(t, s.event(t, billing.EventCheckoutCompleted))
	failing := s.billingWith(overtakenProcessor{Processor: s.proc, meanwhile: func() {
		require.NoError(t, s.billing.HandleEvent(context.Background(), ev, billing.SourceWebhook))
	}})

	err := failing.HandleEvent(context.Background(), ev, billing.SourceWebhook)
	require.ErrorContains(t, err, "processor unreachable")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events
		WHERE id = $1 AND processed_at IS NOT NULL AND attempts = 1 AND last_error IS NULL`, ev.ID))
	s.requireOneEffect(t, order.ID)
}
