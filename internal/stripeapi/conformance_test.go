package stripeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/e2e"
)

// TestConformanceWithStripeMock runs every adapter method against
// stripe-mock, which validates each request against Stripe's OpenAPI spec
// (unknown top-level parameters, missing required ones, types and enums).
// It returns fixtures, so only what it reflects back is asserted.
func TestConformanceWithStripeMock(t *testing.T) {
	t.Parallel()
	c, err := New(Config{SecretKey: "sk_test_conformance", APIBase: startStripeMock(t), MaxRetries: -1})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	week := billing.Range{From: time.Now().Add(-7 * 24 * time.Hour), To: time.Now()}

	s, err := c.CreateCheckoutSession(ctx, billing.CheckoutRequest{
		IdempotencyKey: "checkout:order_42", ClientReferenceID: "order_42", Email: "buyer@example.test",
		ProductName: "Pro, yearly", Amount: 24900, Currency: "usd",
		SuccessURL: "https://shop.test/checkout/return?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:  "https://shop.test/checkout/cancel",
		Metadata:   map[string]string{"order_id": "order_42", "ref": "BK-7Q2M", "plan": "pro-yearly"},
	})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s.ID, "cs_"), s.ID)
	require.Equal(t, "order_42", s.ClientReferenceID)
	require.Equal(t, "buyer@example.test", s.CustomerEmail)

	got, err := c.GetCheckoutSession(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, s.ID, got.ID)
	require.NotNil(t, got.PaymentIntent, "payment_intent was expanded")
	require.Equal(t, got.PaymentIntentID, got.PaymentIntent.ID)

	yearly, err := c.CreateCheckoutSession(ctx, billing.CheckoutRequest{
		IdempotencyKey: "checkout:order_43", ClientReferenceID: "order_43", Email: "buyer@example.test",
		ProductName: "Pro, yearly", Amount: 24900, Currency: "usd", Interval: "year",
		SuccessURL: "https://shop.test/checkout/return?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:  "https://shop.test/checkout/cancel",
		Metadata:   map[string]string{"order_id": "order_43", "ref": "BK-7Q2N", "plan": "pro-yearly"},
	})
	require.NoError(t, err, "a subscription-mode session")
	require.True(t, strings.HasPrefix(yearly.ID, "cs_"), yearly.ID)

	inv, err := c.GetInvoice(ctx, "in_conformance")
	require.NoError(t, err)
	require.Equal(t, "in_conformance", inv.ID)
	sub, err := c.GetSubscription(ctx, "sub_conformance")
	require.NoError(t, err)
	require.Equal(t, "sub_conformance", sub.ID)
	canceled, err := c.CancelSubscription(ctx, "sub_conformance")
	require.NoError(t, err, "DELETE /v1/subscriptions/{id} as the refund of a duplicate sends it")
	require.Equal(t, "sub_conformance", canceled.ID)

	pi, err := c.GetPaymentIntent(ctx, "pi_conformance")
	require.NoError(t, err)
	require.Equal(t, "pi_conformance", pi.ID)

	ch, err := c.GetCharge(ctx, "ch_conformance")
	require.NoError(t, err)
	require.Equal(t, "ch_conformance", ch.ID)

	dp, err := c.GetDispute(ctx, "dp_conformance")
	require.NoError(t, err)
	require.Equal(t, "dp_conformance", dp.ID)

	for _, amount := range []int64{0, 500} {
		rf, err := c.CreateRefund(ctx, billing.RefundRequest{
			IdempotencyKey: fmt.Sprintf("refund:order_42:%d", amount), PaymentIntentID: "pi_conformance",
			Amount: amount, Reason: "requested_by_customer", Metadata: map[string]string{"order_id": "order_42"},
		})
		require.NoError(t, err, "amount %d", amount)
		require.True(t, strings.HasPrefix(rf.ID, "re_"), rf.ID)
	}

	requireListed(t, "checkout sessions", func(fn func(string)) error {
		return c.ListCheckoutSessions(ctx, week, func(v billing.Session) error { fn(v.ID); return nil })
	})
	requireListed(t, "payment intents", func(fn func(string)) error {
		return c.ListPaymentIntents(ctx, week, func(v billing.Payment) error { fn(v.ID); return nil })
	})
	requireListed(t, "charges", func(fn func(string)) error {
		return c.ListCharges(ctx, week, func(v billing.Charge) error { fn(v.ID); return nil })
	})
	requireListed(t, "charges with payer", func(fn func(string)) error {
		return c.ListChargesWithPayer(ctx, week, func(v billing.Charge) error { fn(v.ID); return nil })
	})
	requireListed(t, "refunds", func(fn func(string)) error {
		return c.ListRefunds(ctx, billing.Range{From: week.From}, func(v billing.Refund) error { fn(v.ID); return nil })
	})
	requireListed(t, "disputes", func(fn func(string)) error {
		return c.ListDisputes(ctx, billing.Range{}, func(v billing.Dispute) error { fn(v.ID); return nil })
	})
	requireListed(t, "invoices", func(fn func(string)) error {
		return c.ListInvoices(ctx, week, func(v billing.Invoice) error { fn(v.ID); return nil })
	})
	requireListed(t, "subscriptions", func(fn func(string)) error {
		return c.ListSubscriptions(ctx, week, func(v billing.Subscription) error { fn(v.ID); return nil })
	})
	types := []string{"checkout.session.completed", "charge.refunded", "charge.dispute.created", "invoice.paid"}
	requireListed(t, "events", func(fn func(string)) error {
		return c.ListEvents(ctx, week, types, func(v billing.Event) error {
			var ev stripe.Event
			if err := json.Unmarshal(v.Raw, &ev); err != nil || ev.ID != v.ID {
				return fmt.Errorf("raw of %s does not decode into its event: %v", v.ID, err)
			}
			fn(v.ID)
			return nil
		})
	})
}

func requireListed(t *testing.T, what string, list func(fn func(id string)) error) {
	t.Helper()
	var ids []string
	require.NoError(t, list(func(id string) { ids = append(ids, id) }), what)
	require.NotEmpty(t, ids, "stripe-mock lists one fixture of %s", what)
	for _, id := range ids {
		require.NotEmpty(t, id, what)
	}
}

// startStripeMock runs stripe-mock on free loopback ports until the test
// ends and returns its HTTP base URL. CI installs it (`make tools`), so a
// missing binary fails the test instead of skipping it.
func startStripeMock(t *testing.T) string {
	t.Helper()
	bin := e2e.Tool(t, "stripe-mock", "STRIPE_MOCK_BIN")
	httpAddr, httpsAddr := e2e.FreeAddr(t), e2e.FreeAddr(t)
	p := e2e.Start(t, bin, []string{"-http-addr", httpAddr, "-https-addr", httpsAddr}, nil)
	p.WaitTCP(t, httpAddr, 30*time.Second)
	return "http://" + httpAddr
}
