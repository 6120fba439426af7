package stripesim

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

func TestCheckoutSessionPaidThroughControlAPI(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_1"))
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusOpen, cs.Status)
	assert.Equal(t, stripe.CheckoutSessionPaymentStatusUnpaid, cs.PaymentStatus)
	assert.Nil(t, cs.PaymentIntent, "payment_intent is null until paid at 2023-10-16")
	assert.Equal(t, int64(3000), cs.AmountTotal)
	assert.Equal(t, stripe.CurrencyUSD, cs.Currency)
	assert.Equal(t, "order_1", cs.ClientReferenceID)
	assert.Equal(t, map[string]string{"order_id": "order_1"}, cs.Metadata)
	assert.Equal(t, f.srv.URL+"/pay/"+cs.ID, cs.URL)
	assert.Equal(t, "https://shop.test/ok?session_id={CHECKOUT_SESSION_ID}", cs.SuccessURL)
	assert.Equal(t, cs.Created+24*3600, cs.ExpiresAt)
	assert.NotEmpty(t, cs.LastResponse.RequestID)

	out := f.mustControl(t, http.StatusOK, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242424242424242"})
	assert.Equal(t, "https://shop.test/ok?session_id="+cs.ID, out["redirect"])

	p := &stripe.CheckoutSessionParams{}
	p.AddExpand("payment_intent")
	got, err := f.sc.CheckoutSessions.Get(cs.ID, p)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusComplete, got.Status)
	assert.Equal(t, stripe.CheckoutSessionPaymentStatusPaid, got.PaymentStatus)
	require.NotNil(t, got.PaymentIntent)
	assert.Equal(t, out["payment_intent"], got.PaymentIntent.ID)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, got.PaymentIntent.Status)
	require.NotNil(t, got.PaymentIntent.LatestCharge)
	assert.Equal(t, out["charge"], got.PaymentIntent.LatestCharge.ID)
	assert.Equal(t, map[string]string{"order_id": "order_1"}, got.PaymentIntent.Metadata)
	assert.Equal(t, "buyer@example.test", got.PaymentIntent.ReceiptEmail)
	assert.Equal(t, "buyer@example.test", got.CustomerDetails.Email)

	p = &stripe.CheckoutSessionParams{}
	p.AddExpand("payment_intent.latest_charge")
	got, err = f.sc.CheckoutSessions.Get(cs.ID, p)
	require.NoError(t, err)
	ch := got.PaymentIntent.LatestCharge
	assert.Equal(t, int64(3000), ch.Amount)
	assert.True(t, ch.Paid)
	assert.Equal(t, "buyer@example.test", ch.BillingDetails.Email)
	assert.Equal(t, got.PaymentIntent.ID, ch.PaymentIntent.ID)

	code, _ := f.control(t, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242424242424242"})
	assert.Equal(t, http.StatusBadRequest, code, "a complete session cannot be paid twice")
}

func TestCheckoutDeclinedCardLeavesSessionOpen(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_2"))
	require.NoError(t, err)

	code, out := f.control(t, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4000000000000002"})
	require.Equal(t, http.StatusPaymentRequired, code)
	assert.Equal(t, map[string]any{"type": "card_error", "code": "card_declined",
		"decline_code": "generic_decline", "message": "Your card was declined."}, out["error"])

	got, err := f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusOpen, got.Status)
	assert.Nil(t, got.PaymentIntent)

	it := f.sc.Events.List(&stripe.EventListParams{Type: stripe.String("payment_intent.*")})
	require.True(t, it.Next(), "want a payment_intent.payment_failed event: %v", it.Err())
	assert.Equal(t, stripe.EventTypePaymentIntentPaymentFailed, it.Event().Type)
	assert.False(t, it.Next())

	f.mustControl(t, http.StatusOK, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242 4242 4242 4242"})
}

func TestCheckoutSessionExpire(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_3"))
	require.NoError(t, err)
	got, err := f.sc.CheckoutSessions.Expire(cs.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusExpired, got.Status)

	_, err = f.sc.CheckoutSessions.Expire(cs.ID, nil)
	var inv *stripe.InvalidRequestError
	require.ErrorAs(t, err, &inv, "an expired session cannot expire again")

	code, _ := f.control(t, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242424242424242"})
	assert.Equal(t, http.StatusBadRequest, code)
}

func TestCheckoutSessionExpiresWithTheClock(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_4"))
	require.NoError(t, err)
	f.mustControl(t, http.StatusOK, "POST", "/_sim/clock", map[string]string{"advance": "25h"})
	got, err := f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, stripe.CheckoutSessionStatusExpired, got.Status)
}

func TestIdempotentReplayAndConflict(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	p := sessionParams("order_5")
	p.SetIdempotencyKey("checkout-order_5")
	first, err := f.sc.CheckoutSessions.New(p)
	require.NoError(t, err)

	p = sessionParams("order_5")
	p.SetIdempotencyKey("checkout-order_5")
	again, err := f.sc.CheckoutSessions.New(p)
	require.NoError(t, err)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, "true", again.LastResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, "checkout-order_5", again.LastResponse.IdempotencyKey)
	assert.NotEqual(t, first.LastResponse.RequestID, again.LastResponse.RequestID)

	p = sessionParams("order_6")
	p.SetIdempotencyKey("checkout-order_5")
	_, err = f.sc.CheckoutSessions.New(p)
	var conflict *stripe.IdempotencyError
	require.ErrorAs(t, err, &conflict)

	list, err := listAll(f, &stripe.CheckoutSessionListParams{})
	require.NoError(t, err)
	assert.Len(t, list, 1, "the replay created no second session")
}

func TestIdempotencyDoesNotStoreValidationFailures(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	bad := sessionParams("order_7")
	bad.SuccessURL = nil
	bad.SetIdempotencyKey("k7")
	_, err := f.sc.CheckoutSessions.New(bad)
	var se *stripe.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "success_url", se.Param)
	assert.Equal(t, stripe.ErrorCodeParameterMissing, se.Code)

	good := sessionParams("order_7")
	good.SetIdempotencyKey("k7")
	_, err = f.sc.CheckoutSessions.New(good)
	require.NoError(t, err, "a refused request must not claim its key")
}

func listAll(f *fixture, p *stripe.CheckoutSessionListParams) ([]*stripe.CheckoutSession, error) {
	var out []*stripe.CheckoutSession
	it := f.sc.CheckoutSessions.List(p)
	for it.Next() {
		out = append(out, it.CheckoutSession())
	}
	return out, it.Err()
}

func TestStripeErrors(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	extra := func(k string) *stripe.CheckoutSessionParams {
		p := sessionParams("order_8")
		p.AddExtra(k, "x")
		return p
	}
	tests := []struct {
		name      string
		call      func() error
		status    int
		param     string
		code      stripe.ErrorCode
		msgSubstr string
	}{
		{"unknown top-level param", func() error { _, err := f.sc.CheckoutSessions.New(extra("bogus")); return err },
			400, "bogus", stripe.ErrorCodeParameterUnknown, "Received unknown parameter: bogus"},
		{"unknown nested param", func() error {
			_, err := f.sc.CheckoutSessions.New(extra("payment_intent_data[bogus]"))
			return err
		}, 400, "payment_intent_data[bogus]", stripe.ErrorCodeParameterUnknown, "Received unknown parameter: payment_intent_data[bogus]"},
		{"unknown list param", func() error {
			p := &stripe.ChargeListParams{}
			p.Filters.AddFilter("bogus", "", "x")
			return f.sc.Charges.List(p).Err()
		}, 400, "bogus", stripe.ErrorCodeParameterUnknown, "Received unknown parameter: bogus"},
		{"limit 101", func() error {
			p := &stripe.ChargeListParams{}
			p.Limit = stripe.Int64(101)
			return f.sc.Charges.List(p).Err()
		}, 400, "limit", "", "between 1 and 100"},
		{"unknown expand", func() error {
			p := &stripe.PaymentIntentListParams{}
			p.AddExpand("data.bogus")
			return f.sc.PaymentIntents.List(p).Err()
		}, 400, "expand", "", "cannot be expanded"},
		{"missing mode", func() error {
			p := sessionParams("order_8")
			p.Mode = nil
			_, err := f.sc.CheckoutSessions.New(p)
			return err
		}, 400, "mode", stripe.ErrorCodeParameterMissing, "mode"},
		{"unknown session", func() error { _, err := f.sc.CheckoutSessions.Get("cs_test_nope", nil); return err },
			404, "session", stripe.ErrorCodeResourceMissing, "No such checkout.session: 'cs_test_nope'"},
		{"unknown charge", func() error { _, err := f.sc.Charges.Get("ch_nope", nil); return err },
			404, "id", stripe.ErrorCodeResourceMissing, "No such charge: 'ch_nope'"},
		{"type and types", func() error {
			return f.sc.Events.List(&stripe.EventListParams{Type: stripe.String("charge.*"),
				Types: stripe.StringSlice([]string{"charge.refunded"})}).Err()
		}, 400, "types", "", "only specify one"},
		{"unrecognized URL", func() error { _, err := f.sc.PaymentIntents.Get("", nil); return err },
			404, "", "", "Unrecognized request URL (GET: /v1/payment_intents/)"},
		{"wrong key", func() error { _, err := stripeClient(f.srv.URL, "sk_test_wrong").Charges.Get("ch_x", nil); return err },
			401, "", "", "Invalid API Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var se *stripe.Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.status, se.HTTPStatusCode)
			assert.Equal(t, tt.param, se.Param)
			assert.Equal(t, tt.code, se.Code)
			assert.Contains(t, se.Msg, tt.msgSubstr)
			assert.Regexp(t, `^req_\w+$`, se.RequestID)
			if tt.status == 400 {
				var inv *stripe.InvalidRequestError
				assert.ErrorAs(t, err, &inv)
			}
		})
	}
}
