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

// eventsOf lists the events of one type, newest first.
func eventsOf(t *testing.T, f *fixture, typ string) []*stripe.Event {
	t.Helper()
	it := f.sc.Events.List(&stripe.EventListParams{Type: stripe.String(typ)})
	var out []*stripe.Event
	for it.Next() {
		out = append(out, it.Event())
	}
	require.NoError(t, it.Err())
	return out
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	pi, ch := f.pay(t, "r@example.test", 2000)

	out := f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+ch+"/refund", map[string]int{"amount": 500})
	partial := out["refund"].(string)
	got, err := f.sc.Charges.Get(ch, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(500), got.AmountRefunded)
	assert.False(t, got.Refunded)

	refunded := eventsOf(t, f, "charge.refunded")
	require.Len(t, refunded, 1)
	var snap stripe.Charge
	require.NoError(t, json.Unmarshal(refunded[0].Data.Raw, &snap))
	assert.Equal(t, int64(500), snap.AmountRefunded, "the event carries the charge as refunded")
	created := eventsOf(t, f, "refund.created")
	require.Len(t, created, 1)
	assert.Equal(t, partial, created[0].Data.Object["id"])

	rp := &stripe.RefundParams{PaymentIntent: stripe.String(pi)}
	rp.SetIdempotencyKey("refund-rest")
	rest, err := f.sc.Refunds.New(rp)
	require.NoError(t, err)
	assert.Equal(t, int64(1500), rest.Amount, "without amount, the rest is refunded")
	assert.Equal(t, ch, rest.Charge.ID)
	assert.Equal(t, stripe.RefundStatusSucceeded, rest.Status)
	require.Len(t, eventsOf(t, f, "refund.created"), 2)
	assert.Equal(t, "refund-rest", eventsOf(t, f, "refund.created")[0].Request.IdempotencyKey)

	got, err = f.sc.Charges.Get(ch, nil)
	require.NoError(t, err)
	assert.True(t, got.Refunded)
	assert.Equal(t, int64(2000), got.AmountRefunded)

	_, err = f.sc.Refunds.New(&stripe.RefundParams{Charge: stripe.String(ch)})
	var se *stripe.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, stripe.ErrorCodeChargeAlreadyRefunded, se.Code)

	it := f.sc.Refunds.List(&stripe.RefundListParams{PaymentIntent: stripe.String(pi)})
	var ids []string
	for it.Next() {
		ids = append(ids, it.Refund().ID)
	}
	require.NoError(t, it.Err())
	assert.Equal(t, []string{rest.ID, partial}, ids)

	rg := &stripe.RefundParams{}
	rg.AddExpand("charge")
	one, err := f.sc.Refunds.Get(partial, rg)
	require.NoError(t, err)
	assert.Equal(t, "r@example.test", one.Charge.ReceiptEmail)
}

func TestDispute(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	pi, ch := f.pay(t, "d@example.test", 4900)
	_, other := f.pay(t, "e@example.test", 100)
	out := f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+other+"/dispute",
		map[string]string{"status": "warning_needs_response", "reason": "general"})
	inquiry, err := f.sc.Disputes.Get(out["dispute"].(string), nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.DisputeStatusWarningNeedsResponse, inquiry.Status)
	assert.Equal(t, stripe.DisputeReasonGeneral, inquiry.Reason)

	out = f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+ch+"/dispute", nil)
	id := out["dispute"].(string)

	it := f.sc.Disputes.List(&stripe.DisputeListParams{Charge: stripe.String(ch)})
	require.True(t, it.Next(), it.Err())
	d := it.Dispute()
	assert.Equal(t, id, d.ID)
	assert.Equal(t, stripe.DisputeStatusNeedsResponse, d.Status)
	assert.Equal(t, int64(4900), d.Amount)
	assert.Equal(t, pi, d.PaymentIntent.ID)
	assert.InDelta(t, d.Created+7*24*3600, d.EvidenceDetails.DueBy, 60)
	assert.False(t, it.Next())

	one := f.sc.Disputes.List(&stripe.DisputeListParams{Charge: stripe.String(other)})
	require.True(t, one.Next(), one.Err())
	assert.Equal(t, inquiry.ID, one.Dispute().ID, "the charge filter keeps only that charge's dispute")
	assert.False(t, one.Next())

	got, err := f.sc.Charges.Get(ch, nil)
	require.NoError(t, err)
	assert.True(t, got.Disputed)

	evs := eventsOf(t, f, "charge.dispute.created")
	require.Len(t, evs, 2)
	assert.Equal(t, id, evs[0].Data.Object["id"])
	assert.Equal(t, ch, evs[0].Data.Object["charge"])

	dp := &stripe.DisputeParams{}
	dp.AddExpand("charge")
	full, err := f.sc.Disputes.Get(id, dp)
	require.NoError(t, err)
	assert.True(t, full.Charge.Disputed)
}

func TestControlAPIErrors(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"unknown session", "POST", "/_sim/checkout/cs_test_nope/pay", map[string]string{"card": "4242424242424242"}, 404},
		{"unknown charge refund", "POST", "/_sim/charges/ch_nope/refund", nil, 404},
		{"unknown charge dispute", "POST", "/_sim/charges/ch_nope/dispute", nil, 404},
		{"payment without amount", "POST", "/_sim/payments", map[string]string{"email": "a@b.test"}, 400},
		{"unknown field", "POST", "/_sim/payments", map[string]any{"amount": 1, "bogus": 1}, 400},
		{"bad webhook mode", "POST", "/_sim/faults", map[string]string{"webhooks": "sometimes"}, 400},
		{"bad error rate", "POST", "/_sim/faults", map[string]float64{"api_error_rate": 2}, 400},
		{"faults", "POST", "/_sim/faults", map[string]any{"webhooks": "delay:1s", "api_latency_ms": 0}, 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := f.control(t, tt.method, tt.path, tt.body)
			assert.Equal(t, tt.want, code, "%v", out)
			if tt.want >= 400 {
				assert.Contains(t, out, "error")
			}
		})
	}
}

func TestAPIFaults(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	_, ch := f.pay(t, "f@example.test", 100)

	f.mustControl(t, http.StatusNoContent, "POST", "/_sim/faults", map[string]float64{"api_error_rate": 1})
	_, err := f.sc.Charges.Get(ch, nil)
	var apiErr *stripe.APIError
	require.ErrorAs(t, err, &apiErr)

	f.mustControl(t, http.StatusNoContent, "POST", "/_sim/faults", map[string]float64{"api_error_rate": 0.5})
	failures := 0
	for range 4 {
		if _, err := f.sc.Charges.Get(ch, nil); err != nil {
			failures++
		}
	}
	assert.Equal(t, 2, failures, "a rate of 0.5 fails every other request")

	f.mustControl(t, http.StatusNoContent, "POST", "/_sim/faults", map[string]any{"api_error_rate": 0, "api_latency_ms": 150})
	start := time.Now()
	_, err = f.sc.Charges.Get(ch, nil)
	require.NoError(t, err)
	// Only a lower bound: a slow machine makes it longer, never shorter.
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	assert.Equal(t, int64(6), f.stats(t).ByEndpoint["GET /v1/charges/{id}"])
}

func TestStatsCountOnlyV1RequestsByRoute(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_s"))
	require.NoError(t, err)
	for range 2 {
		_, err = f.sc.CheckoutSessions.Get(cs.ID, nil)
		require.NoError(t, err)
	}
	_, err = f.sc.PaymentIntents.Get("", nil)
	require.Error(t, err)
	f.pay(t, "s@example.test", 100) // control API: not counted

	st := f.stats(t)
	assert.Equal(t, int64(4), st.APIRequests)
	assert.Equal(t, map[string]int64{
		"POST /v1/checkout/sessions":     1,
		"GET /v1/checkout/sessions/{id}": 2,
		"GET /v1/{unrecognized}":         1,
	}, st.ByEndpoint)
}
