package stripeapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/stretchr/testify/require"
)

func TestWritesSendTheCallersIdempotencyKey(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/checkout/sessions":
			writeJSON(w, 200, `{"id":"cs_test_1","object":"checkout.session","url":"https://pay.test/cs_test_1","status":"open","payment_status":"unpaid","payment_intent":null}`)
		case "/v1/refunds":
			writeJSON(w, 200, `{"id":"re_1","object":"refund","amount":500,"charge":"ch_1","payment_intent":"pi_1","status":"succeeded"}`)
		}
	})
	c := newTestClient(t, api.URL, nil)
	ctx := context.Background()
	checkout := billing.CheckoutRequest{
		IdempotencyKey: "checkout:order_42", ClientReferenceID: "order_42", Email: "a@example.test",
		ProductName: "Pro", Amount: 24900, Currency: "usd",
		SuccessURL: "https://shop.test/ok", CancelURL: "https://shop.test/no",
		Metadata: map[string]string{"order_id": "order_42"},
	}

	// The same request twice, as after a crash: the same key both times.
	for range 2 {
		s, err := c.CreateCheckoutSession(ctx, checkout)
		require.NoError(t, err)
		require.Equal(t, "cs_test_1", s.ID)
	}
	_, err := c.CreateRefund(ctx, billing.RefundRequest{IdempotencyKey: "refund:order_42:1", PaymentIntentID: "pi_1", Amount: 500})
	require.NoError(t, err)

	reqs := api.requests()
	require.Len(t, reqs, 3)
	require.Equal(t, "checkout:order_42", reqs[0].IdempotencyKey)
	require.Equal(t, "checkout:order_42", reqs[1].IdempotencyKey)
	require.Equal(t, "refund:order_42:1", reqs[2].IdempotencyKey)

	form := reqs[0].Form
	require.Equal(t, []string{"payment"}, form["mode"])
	require.Equal(t, []string{"order_42"}, form["client_reference_id"])
	require.Equal(t, []string{"a@example.test"}, form["customer_email"])
	require.Equal(t, []string{"1"}, form["line_items[0][quantity]"])
	require.Equal(t, []string{"24900"}, form["line_items[0][price_data][unit_amount]"])
	require.Equal(t, []string{"Pro"}, form["line_items[0][price_data][product_data][name]"])
	require.Equal(t, []string{"order_42"}, form["metadata[order_id]"])
	require.Equal(t, []string{"order_42"}, form["payment_intent_data[metadata][order_id]"])
	require.Equal(t, []string{"pi_1"}, reqs[2].Form["payment_intent"])
	require.Equal(t, []string{"500"}, reqs[2].Form["amount"])
}

func TestWritesWithoutAKeyAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	c := newTestClient(t, api.URL, nil)
	ctx := context.Background()

	_, err := c.CreateCheckoutSession(ctx, billing.CheckoutRequest{Amount: 100, Currency: "usd"})
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	_, err = c.CreateRefund(ctx, billing.RefundRequest{PaymentIntentID: "pi_1"})
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Empty(t, api.requests())
}

func TestRetrievesRefuseEmptyIDsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	c := newTestClient(t, api.URL, nil)
	ctx := context.Background()

	_, err := c.GetCheckoutSession(ctx, "")
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	_, err = c.GetPaymentIntent(ctx, "")
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	_, err = c.GetCharge(ctx, "")
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Empty(t, api.requests())
}
