package stripeapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/stretchr/testify/require"
)

func TestSessionConversionHandlesEachShapeOfPaymentIntent(t *testing.T) {
	t.Parallel()
	sessions := map[string]string{
		"cs_unpaid": `{"id":"cs_unpaid","object":"checkout.session","status":"open","payment_status":"unpaid","payment_intent":null,"customer_email":"a@example.test","created":1700000000}`,
		"cs_id":     `{"id":"cs_id","object":"checkout.session","payment_intent":"pi_1","customer_email":null,"customer_details":{"email":"b@example.test"}}`,
		"cs_sub": `{"id":"cs_sub","object":"checkout.session","mode":"subscription","status":"complete","payment_status":"paid","payment_intent":null,
			"subscription":{"id":"sub_1","object":"subscription","status":"active","current_period_end":1731536000},
			"invoice":{"id":"in_1","object":"invoice","billing_reason":"subscription_create","paid":true,"subscription":"sub_1",
				"payment_intent":{"id":"pi_3","object":"payment_intent","status":"succeeded","latest_charge":{"id":"ch_3","object":"charge","refunded":true}}}}`,
		"cs_full": `{"id":"cs_full","object":"checkout.session","status":"complete","payment_status":"paid","amount_total":24900,"currency":"usd",
			"client_reference_id":"order_42","metadata":{"order_id":"order_42"},"expires_at":1700086400,
			"payment_intent":{"id":"pi_2","object":"payment_intent","status":"succeeded","amount":24900,"currency":"usd","latest_charge":"ch_2","receipt_email":"c@example.test","metadata":{"order_id":"order_42"},"created":1700000100}}`,
	}
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, sessions[r.URL.Path[len("/v1/checkout/sessions/"):]])
	})
	c := newTestClient(t, api.URL, nil)
	ctx := context.Background()

	unpaid, err := c.GetCheckoutSession(ctx, "cs_unpaid")
	require.NoError(t, err)
	require.Empty(t, unpaid.PaymentIntentID)
	require.Nil(t, unpaid.PaymentIntent)
	require.Equal(t, "a@example.test", unpaid.CustomerEmail)
	require.Equal(t, time.Unix(1700000000, 0).UTC(), unpaid.Created)
	require.True(t, unpaid.ExpiresAt.IsZero())
	q := api.requests()[0].Query
	require.Equal(t, []string{"payment_intent.latest_charge", "invoice.payment_intent.latest_charge", "subscription"},
		[]string{q.Get("expand[0]"), q.Get("expand[1]"), q.Get("expand[2]")})

	idOnly, err := c.GetCheckoutSession(ctx, "cs_id")
	require.NoError(t, err)
	require.Equal(t, "pi_1", idOnly.PaymentIntentID)
	require.Nil(t, idOnly.PaymentIntent, "an id is not an expanded object")
	require.Equal(t, "b@example.test", idOnly.CustomerEmail, "falls back to customer_details.email")

	full, err := c.GetCheckoutSession(ctx, "cs_full")
	require.NoError(t, err)
	require.True(t, full.Paid())
	require.Equal(t, "pi_2", full.PaymentIntentID)
	require.Equal(t, &billing.Payment{
		ID: "pi_2", Status: "succeeded", Amount: 24900, Currency: "usd",
		Metadata: map[string]string{"order_id": "order_42"}, LatestChargeID: "ch_2",
		ReceiptEmail: "c@example.test", Created: time.Unix(1700000100, 0).UTC(),
	}, full.PaymentIntent)
	require.Equal(t, "order_42", full.ClientReferenceID)
	require.Equal(t, map[string]string{"order_id": "order_42"}, full.Metadata)
	require.Equal(t, time.Unix(1700086400, 0).UTC(), full.ExpiresAt)
	require.Nil(t, full.Invoice)
	require.Nil(t, full.Subscription)

	// Expanded all the way, a subscription's completion needs no other read.
	sub, err := c.GetCheckoutSession(ctx, "cs_sub")
	require.NoError(t, err)
	require.Equal(t, "pi_3", sub.PaymentIntentID, "the first invoice's payment")
	require.Equal(t, "ch_3", sub.PaymentIntent.LatestChargeID)
	require.NotNil(t, sub.PaymentIntent.LatestCharge)
	require.True(t, sub.PaymentIntent.LatestCharge.Refunded)
	require.Equal(t, "in_1", sub.Invoice.ID)
	require.True(t, sub.Invoice.First())
	require.Equal(t, "sub_1", sub.Subscription.ID)
	require.Equal(t, time.Unix(1731536000, 0).UTC(), sub.Subscription.CurrentPeriodEnd)
}

func TestChargeDisputeAndRefundConversions(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/charges/ch_1":
			writeJSON(w, 200, `{"id":"ch_1","object":"charge","payment_intent":"pi_1","amount":24900,"amount_refunded":24900,"currency":"usd",
				"status":"succeeded","paid":true,"refunded":true,"disputed":true,"receipt_email":"r@example.test",
				"billing_details":{"email":"b@example.test"},"metadata":{"plan":"pro-yearly"},"created":1700000000}`)
		case "/v1/disputes":
			writeJSON(w, 200, `{"object":"list","url":"/v1/disputes","has_more":false,"data":[{"id":"dp_1","object":"dispute","charge":"ch_1","payment_intent":"pi_1",
				"amount":24900,"currency":"usd","status":"needs_response","reason":"fraudulent","evidence_details":{"due_by":1700900000},"created":1700000300}]}`)
		case "/v1/disputes/dp_2":
			writeJSON(w, 200, `{"id":"dp_2","object":"dispute","charge":"ch_1","payment_intent":"pi_1","amount":24900,"currency":"usd",
				"status":"won","reason":"general","is_charge_refundable":true,"evidence_details":{"due_by":1700900000},"created":1700000300}`)
		case "/v1/refunds":
			writeJSON(w, 200, `{"object":"list","url":"/v1/refunds","has_more":false,"data":[{"id":"re_1","object":"refund","charge":"ch_1","payment_intent":"pi_1",
				"amount":24900,"currency":"usd","status":"succeeded","created":1700000200}]}`)
		}
	})
	c := newTestClient(t, api.URL, nil)
	ctx := context.Background()

	ch, err := c.GetCharge(ctx, "ch_1")
	require.NoError(t, err)
	require.Equal(t, billing.Charge{
		ID: "ch_1", PaymentIntentID: "pi_1", Amount: 24900, AmountRefunded: 24900, Currency: "usd",
		Status: "succeeded", Paid: true, Refunded: true, Disputed: true,
		ReceiptEmail: "r@example.test", BillingEmail: "b@example.test",
		Metadata: map[string]string{"plan": "pro-yearly"}, Created: time.Unix(1700000000, 0).UTC(),
	}, ch)

	var disputes []billing.Dispute
	require.NoError(t, c.ListDisputes(ctx, billing.Range{}, func(d billing.Dispute) error { disputes = append(disputes, d); return nil }))
	require.Equal(t, []billing.Dispute{{
		ID: "dp_1", ChargeID: "ch_1", PaymentIntentID: "pi_1", Amount: 24900, Currency: "usd",
		Status: "needs_response", Reason: "fraudulent",
		EvidenceDueBy: time.Unix(1700900000, 0).UTC(), Created: time.Unix(1700000300, 0).UTC(),
	}}, disputes)

	won, err := c.GetDispute(ctx, "dp_2")
	require.NoError(t, err)
	require.Equal(t, billing.Dispute{
		ID: "dp_2", ChargeID: "ch_1", PaymentIntentID: "pi_1", Amount: 24900, Currency: "usd",
		Status: "won", Reason: "general", IsChargeRefundable: true,
		EvidenceDueBy: time.Unix(1700900000, 0).UTC(), Created: time.Unix(1700000300, 0).UTC(),
	}, won)
	require.True(t, won.Won() && won.Closed())

	var refunds []billing.Refund
	require.NoError(t, c.ListRefunds(ctx, billing.Range{}, func(r billing.Refund) error { refunds = append(refunds, r); return nil }))
	require.Equal(t, []billing.Refund{{
		ID: "re_1", ChargeID: "ch_1", PaymentIntentID: "pi_1", Amount: 24900, Currency: "usd",
		Status: "succeeded", Created: time.Unix(1700000200, 0).UTC(),
	}}, refunds)
}
