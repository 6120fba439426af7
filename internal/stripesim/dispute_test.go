package stripesim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

// TestDisputeClose: POST /_sim/disputes/{id}/close moves an open dispute to
// won or lost with its charge.dispute.closed event; a chargeback's charge
// cannot be refunded, an inquiry's can; a closed dispute stays closed.
func TestDisputeClose(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	_, ch := f.pay(t, "close@example.test", 4900)
	_, other := f.pay(t, "inquiry@example.test", 100)
	won := f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+ch+"/dispute", nil)["dispute"].(string)
	lost := f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+other+"/dispute",
		map[string]string{"status": "warning_needs_response"})["dispute"].(string)

	d, err := f.sc.Disputes.Get(won, nil)
	require.NoError(t, err)
	assert.False(t, d.IsChargeRefundable, "a chargeback's money is already gone")
	assert.InDelta(t, d.Created+7*24*3600, d.EvidenceDetails.DueBy, 60)
	inquiry, err := f.sc.Disputes.Get(lost, nil)
	require.NoError(t, err)
	assert.True(t, inquiry.IsChargeRefundable, "an inquiry's charge can still be refunded")

	out := f.mustControl(t, http.StatusOK, "POST", "/_sim/disputes/"+won+"/close", map[string]string{"status": "won"})
	assert.Equal(t, won, out["dispute"])
	f.mustControl(t, http.StatusOK, "POST", "/_sim/disputes/"+lost+"/close", map[string]string{"status": "lost"})

	d, err = f.sc.Disputes.Get(won, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.DisputeStatusWon, d.Status)
	assert.False(t, d.IsChargeRefundable)
	inquiry, err = f.sc.Disputes.Get(lost, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.DisputeStatusLost, inquiry.Status)
	c, err := f.sc.Charges.Get(ch, nil)
	require.NoError(t, err)
	assert.True(t, c.Disputed, "the charge stays marked disputed, as at Stripe")

	closed := eventsOf(t, f, "charge.dispute.closed")
	require.Len(t, closed, 2)
	var snap stripe.Dispute
	require.NoError(t, json.Unmarshal(closed[1].Data.Raw, &snap))
	assert.Equal(t, won, snap.ID)
	assert.Equal(t, stripe.DisputeStatusWon, snap.Status, "the event carries the dispute as closed")
	assert.Equal(t, ch, snap.Charge.ID)
	require.NoError(t, json.Unmarshal(closed[0].Data.Raw, &snap))
	assert.Equal(t, stripe.DisputeStatusLost, snap.Status)

	for _, tc := range []struct {
		name, path string
		body       any
		want       int
	}{
		{"already closed", "/_sim/disputes/" + won + "/close", map[string]string{"status": "lost"}, 400},
		{"unknown dispute", "/_sim/disputes/dp_nope/close", map[string]string{"status": "won"}, 404},
		{"no status", "/_sim/disputes/" + won + "/close", nil, 400},
		{"not won or lost", "/_sim/disputes/" + won + "/close", map[string]string{"status": "under_review"}, 400},
	} {
		code, body := f.control(t, "POST", tc.path, tc.body)
		assert.Equal(t, tc.want, code, "%s: %v", tc.name, body)
	}
	assert.Len(t, eventsOf(t, f, "charge.dispute.closed"), 2, "refused closes emit nothing")
}

// TestWebhookFaultsCombine: "delay:1h+duplicate+reorder" holds every event,
// each twice, until a retry delivers them all newest first, across the
// separate actions that made them.
func TestWebhookFaultsCombine(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, 0)
	f := setup(t, Options{WebhookURL: rc.srv.URL})
	f.mustControl(t, http.StatusNoContent, "POST", "/_sim/faults", map[string]string{"webhooks": "delay:1h+duplicate+reorder"})
	_, ch := f.pay(t, "combo@example.test", 100)
	f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+ch+"/refund", nil)
	time.Sleep(250 * time.Millisecond) // the loop ticks; nothing is due
	assert.Equal(t, int64(8), f.stats(t).Webhooks.Pending)

	f.mustControl(t, http.StatusOK, "POST", "/_sim/webhooks/retry", nil)
	evs := rc.waitFor(t, 8)
	assert.Equal(t, []string{
		"refund.created", "refund.created", "charge.refunded", "charge.refunded",
		"payment_intent.succeeded", "payment_intent.succeeded", "charge.succeeded", "charge.succeeded",
	}, types(evs))

	for _, bad := range []string{"drop+reorder", "deliver+duplicate", "reorder:1s", "duplicate+sometimes"} {
		code, _ := f.control(t, "POST", "/_sim/faults", map[string]string{"webhooks": bad})
		assert.Equal(t, http.StatusBadRequest, code, bad)
	}
}
