package stripesim

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

func TestRestartWithStatePathLosesNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	rc := newReceiver(t, 1_000_000) // down for the whole first life
	opts := Options{StatePath: path, WebhookURL: rc.srv.URL, WebhookRetryBase: 10 * time.Millisecond}
	first := setup(t, opts)

	p := sessionParams("order_p")
	p.SetIdempotencyKey("checkout-order_p")
	cs, err := first.sc.CheckoutSessions.New(p)
	require.NoError(t, err)
	pay := first.mustControl(t, http.StatusOK, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242424242424242"})
	first.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+pay["charge"].(string)+"/refund", map[string]int{"amount": 100})
	require.Eventually(t, func() bool { return first.stats(t).Webhooks.FailedAttempts >= 5 }, 5*time.Second, 10*time.Millisecond)
	before := allEvents(t, first)
	require.Len(t, before, 5)
	first.stop()
	require.NoError(t, first.sim.Close())

	rc.mu.Lock()
	rc.failFirst = 0 // the endpoint is back
	rc.mu.Unlock()
	second := setup(t, opts)
	assert.Equal(t, before, allEvents(t, second), "events survive")
	assert.Equal(t, int64(5), second.stats(t).Webhooks.Pending, "pending deliveries survive")

	got := rc.waitFor(t, 5)
	ids := make([]string, len(got))
	for i, ev := range got {
		ids[i] = ev.ID
	}
	assert.ElementsMatch(t, before, ids, "every pending event delivered after the restart")

	ep := &stripe.CheckoutSessionParams{}
	ep.AddExpand("payment_intent.latest_charge")
	s2, err := second.sc.CheckoutSessions.Get(cs.ID, ep)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusComplete, s2.Status)
	assert.Equal(t, int64(100), s2.PaymentIntent.LatestCharge.AmountRefunded)

	p = sessionParams("order_p")
	p.SetIdempotencyKey("checkout-order_p")
	again, err := second.sc.CheckoutSessions.New(p)
	require.NoError(t, err)
	assert.Equal(t, cs.ID, again.ID, "idempotency records survive")
}

func allEvents(t *testing.T, f *fixture) []string {
	t.Helper()
	it := f.sc.Events.List(&stripe.EventListParams{})
	var ids []string
	for it.Next() {
		ids = append(ids, it.Event().ID)
	}
	require.NoError(t, it.Err())
	return ids
}

func TestNewRefusesABrokenStateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.json")
	require.NoError(t, writeFile(path, "{not json"))
	_, err := New(Options{APIKey: testKey, StatePath: path})
	assert.Error(t, err)
	_, err = New(Options{})
	assert.Error(t, err, "APIKey is required")
}
