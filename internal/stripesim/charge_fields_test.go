package stripesim

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

// What a customer's claim matches a charge on (DESIGN section 8): the
// receipt and billing addresses, the receipt number and the card's last
// four, as stripe-go decodes them.

func TestChargeCarriesTheCardUsedOnTheHostedPage(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	for _, tc := range []struct{ card, last4, brand string }{
		{"4242 4242 4242 4242", "4242", "visa"},
		{"5555 5555 5555 4444", "4444", "mastercard"},
	} {
		cs, err := f.sc.CheckoutSessions.New(sessionParams("order_" + tc.last4))
		require.NoError(t, err)
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.PostForm(f.srv.URL+"/pay/"+cs.ID, url.Values{"card": {tc.card}})
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, tc.card)

		p := &stripe.CheckoutSessionParams{}
		p.AddExpand("payment_intent.latest_charge")
		got, err := f.sc.CheckoutSessions.Get(cs.ID, p)
		require.NoError(t, err)
		ch := got.PaymentIntent.LatestCharge
		require.NotNil(t, ch.PaymentMethodDetails)
		require.NotNil(t, ch.PaymentMethodDetails.Card)
		assert.Equal(t, tc.last4, ch.PaymentMethodDetails.Card.Last4, tc.card)
		assert.Equal(t, stripe.PaymentMethodCardBrand(tc.brand), ch.PaymentMethodDetails.Card.Brand)
		assert.Equal(t, stripe.ChargePaymentMethodDetailsType("card"), ch.PaymentMethodDetails.Type)
		assert.Equal(t, "buyer@example.test", ch.ReceiptEmail)
		assert.Equal(t, "buyer@example.test", ch.BillingDetails.Email)
		assert.Regexp(t, `^\d{4}-\d{4}$`, ch.ReceiptNumber)
	}
}

func TestOrphanPaymentTakesReceiptAndBillingEmailsAndLast4(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	charge := func(body map[string]any) *stripe.Charge {
		t.Helper()
		body["amount"] = 24900
		out := f.mustControl(t, http.StatusOK, "POST", "/_sim/payments", body)
		ch, err := f.sc.Charges.Get(out["charge"].(string), nil)
		require.NoError(t, err)
		pi, err := f.sc.PaymentIntents.Get(out["payment_intent"].(string), nil)
		require.NoError(t, err)
		assert.Equal(t, ch.ReceiptEmail, pi.ReceiptEmail, "the receipt address is the payment intent's, as at Stripe")
		return ch
	}

	ch := charge(map[string]any{"receipt_email": "ana@example.test"})
	assert.Equal(t, "ana@example.test", ch.ReceiptEmail)
	assert.Empty(t, ch.BillingDetails.Email)
	assert.Empty(t, ch.Metadata, "no address in metadata")
	assert.Equal(t, "4242", ch.PaymentMethodDetails.Card.Last4, "orphans are paid with 4242 unless told")
	assert.Regexp(t, `^\d{4}-\d{4}$`, ch.ReceiptNumber)

	ch = charge(map[string]any{"billing_email": "bo@example.test", "last4": "1881"})
	assert.Empty(t, ch.ReceiptEmail)
	assert.Equal(t, "bo@example.test", ch.BillingDetails.Email)
	assert.Equal(t, "1881", ch.PaymentMethodDetails.Card.Last4)

	ch = charge(map[string]any{"email": "cy@example.test", "billing_email": "cy.card@example.test"})
	assert.Equal(t, "cy@example.test", ch.ReceiptEmail)
	assert.Equal(t, "cy.card@example.test", ch.BillingDetails.Email)

	for _, bad := range []string{"42", "42424", "abcd"} {
		code, out := f.control(t, "POST", "/_sim/payments", map[string]any{"amount": 100, "last4": bad})
		assert.Equal(t, http.StatusBadRequest, code, bad)
		assert.Equal(t, "last4", out["error"].(map[string]any)["param"], bad)
	}
}

func TestReceiptNumbersDiffer(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		n := newReceiptNumber()
		require.Regexp(t, regexp.MustCompile(`^\d{4}-\d{4}$`), n)
		seen[n] = true
	}
	require.Greater(t, len(seen), 45)
}

// TestListChargesExpandsPayer: a claim lists charges with their payment
// intent and customer expanded; the simulator has no customers, so
// customer stays null instead of the listing being refused.
func TestListChargesExpandsPayer(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	pi, chID := f.pay(t, "dee@example.test", 24900)
	p := &stripe.ChargeListParams{}
	p.AddExpand("data.payment_intent")
	p.AddExpand("data.customer")
	it := f.sc.Charges.List(p)
	require.True(t, it.Next(), "%v", it.Err())
	ch := it.Charge()
	assert.Equal(t, chID, ch.ID)
	require.NotNil(t, ch.PaymentIntent)
	assert.Equal(t, pi, ch.PaymentIntent.ID)
	assert.Equal(t, "payment_intent", ch.PaymentIntent.Object, "expanded, not a bare id")
	assert.Equal(t, map[string]string{"k": "v"}, ch.PaymentIntent.Metadata)
	assert.Nil(t, ch.Customer)
	assert.False(t, it.Next())
}

// TestEveryAPIResponseNamesItsVersion: Stripe sends Stripe-Version on every
// API response, errors included, and the official Node client reads it.
func TestEveryAPIResponseNamesItsVersion(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	for _, tc := range []struct {
		path, key string
		status    int
	}{
		{"/v1/charges", testKey, http.StatusOK},
		{"/v1/charges/ch_missing", testKey, http.StatusNotFound},
		{"/v1/charges?bogus=1", testKey, http.StatusBadRequest},
		{"/v1/charges", "sk_test_wrong", http.StatusUnauthorized},
		{"/v1/customers", testKey, http.StatusNotFound},
	} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+tc.key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode, tc.path)
		assert.Equal(t, apiVersion, resp.Header.Get("Stripe-Version"), tc.path)
	}
}

// TestSearchIsNotSimulated: Search answers 404 "Unrecognized request URL",
// as Stripe does for anything it does not serve, rather than a 400 about a
// charge called "search".
func TestSearchIsNotSimulated(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.pay(t, "eve@example.test", 24900)
	it := f.sc.Charges.Search(&stripe.ChargeSearchParams{SearchParams: stripe.SearchParams{Query: "amount:24900"}})
	require.False(t, it.Next())
	var se *stripe.Error
	require.True(t, errors.As(it.Err(), &se), "%v", it.Err())
	assert.Equal(t, http.StatusNotFound, se.HTTPStatusCode)
	assert.Equal(t, stripe.ErrorTypeInvalidRequest, se.Type)
	assert.True(t, strings.HasPrefix(se.Msg, "Unrecognized request URL (GET: /v1/charges/search)"), se.Msg)

	pit := f.sc.PaymentIntents.Search(&stripe.PaymentIntentSearchParams{SearchParams: stripe.SearchParams{Query: "status:'succeeded'"}})
	require.False(t, pit.Next())
	require.True(t, errors.As(pit.Err(), &se), "%v", pit.Err())
	assert.Equal(t, http.StatusNotFound, se.HTTPStatusCode)
	assert.Equal(t, int64(2), f.stats(t).ByEndpoint["GET /v1/{unrecognized}"])
}
