package stripesim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

func TestWebhooksSignedAndRetriedUntil2xx(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, 3)
	f := setup(t, Options{WebhookURL: rc.srv.URL, WebhookRetryBase: 20 * time.Millisecond})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_wh"))
	require.NoError(t, err)
	f.mustControl(t, http.StatusOK, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242424242424242"})

	evs := rc.waitFor(t, 3)
	assert.ElementsMatch(t, []string{"charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"}, types(evs))
	for _, ev := range evs {
		assert.Equal(t, "2023-10-16", ev.APIVersion)
		assert.False(t, ev.Livemode)
	}
	require.Eventually(t, func() bool { return f.stats(t).Webhooks.Delivered == 3 }, 5*time.Second, 10*time.Millisecond)
	st := f.stats(t)
	assert.Equal(t, int64(3), st.Webhooks.FailedAttempts)
	assert.Zero(t, st.Webhooks.Pending)

	var completed stripe.Event
	for _, ev := range evs {
		if ev.Type == stripe.EventTypeCheckoutSessionCompleted {
			completed = ev
		}
	}
	assert.Equal(t, cs.ID, completed.GetObjectValue("id"))
	assert.Equal(t, "complete", completed.GetObjectValue("status"))
}

func TestSignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":"evt_1","object":"event","api_version":"2023-10-16"}`)
	now := time.Now()
	header := sign(testSecret, now, body)
	want := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: testSecret, Timestamp: now})
	assert.Equal(t, want.Header, header)
	_, err := webhook.ConstructEvent(body, header, "whsec_other")
	assert.ErrorIs(t, err, webhook.ErrNoValidSignature)
}

func TestRetryEndpointAttemptsPendingNow(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, 1)
	f := setup(t, Options{WebhookURL: rc.srv.URL, WebhookRetryBase: time.Hour})
	f.pay(t, "w@example.test", 100)
	require.Eventually(t, func() bool {
		st := f.stats(t)
		return st.Webhooks.FailedAttempts == 1 && st.Webhooks.Delivered == 1
	}, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, int64(1), f.stats(t).Webhooks.Pending, "the failed one waits an hour")

	out := f.mustControl(t, http.StatusOK, "POST", "/_sim/webhooks/retry", nil)
	assert.Equal(t, float64(1), out["attempted"])
	rc.waitFor(t, 2)
	assert.Zero(t, f.stats(t).Webhooks.Pending)
}

func TestWebhookFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode  string
		check func(t *testing.T, f *fixture, rc *receiver, sent time.Time)
	}{
		{"drop", func(t *testing.T, f *fixture, rc *receiver, _ time.Time) {
			// Deliveries keep creation order, so once the later payment's
			// events are in, the dropped ones would have been too.
			f.mustControl(t, http.StatusNoContent, "POST", "/_sim/faults", map[string]string{"webhooks": "deliver"})
			pi, _ := f.pay(t, "later@example.test", 100)
			rc.waitFor(t, 2)
			time.Sleep(150 * time.Millisecond) // room for a wrongly delivered dropped event
			evs := rc.waitFor(t, 2)
			require.Len(t, evs, 2)
			for _, ev := range evs {
				ofLater := ev.GetObjectValue("id") == pi || ev.GetObjectValue("payment_intent") == pi
				assert.True(t, ofLater, "only the later payment's events, got %s", ev.ID)
			}
			assert.Equal(t, int64(2), f.stats(t).Webhooks.Dropped)
			assert.Len(t, eventsOf(t, f, "*"), 4, "dropped events are still listable")
		}},
		{"duplicate", func(t *testing.T, f *fixture, rc *receiver, _ time.Time) {
			evs := rc.waitFor(t, 4)
			assert.Equal(t, evs[0].ID, evs[1].ID)
			assert.Equal(t, evs[2].ID, evs[3].ID)
			assert.NotEqual(t, evs[0].ID, evs[2].ID)
		}},
		{"reorder", func(t *testing.T, f *fixture, rc *receiver, _ time.Time) {
			evs := rc.waitFor(t, 2)
			assert.Equal(t, []string{"payment_intent.succeeded", "charge.succeeded"}, types(evs), "reverse of creation order")
		}},
		{"delay:300ms", func(t *testing.T, f *fixture, rc *receiver, sent time.Time) {
			rc.waitFor(t, 2)
			rc.mu.Lock()
			defer rc.mu.Unlock()
			assert.GreaterOrEqual(t, rc.arrived[0].Sub(sent), 300*time.Millisecond)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, 0)
			f := setup(t, Options{WebhookURL: rc.srv.URL})
			f.mustControl(t, http.StatusNoContent, "POST", "/_sim/faults", map[string]string{"webhooks": tt.mode})
			sent := time.Now()
			f.pay(t, "fault@example.test", 100)
			tt.check(t, f, rc, sent)
		})
	}
}
