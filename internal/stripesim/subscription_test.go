package stripesim

import (
	"testing"

	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

const year = 365 * 24 * 3600

// subscriptionSession creates a yearly subscription-mode session for 249.00.
func subscriptionSession(t *testing.T, f *fixture) *stripe.CheckoutSession {
	t.Helper()
	p := &stripe.CheckoutSessionParams{
		Mode:          stripe.String("subscription"),
		SuccessURL:    stripe.String("http://shop.test/return?session_id={CHECKOUT_SESSION_ID}"),
		CustomerEmail: stripe.String("ada@example.com"),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency: stripe.String("usd"), UnitAmount: stripe.Int64(24900),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{Name: stripe.String("Pro yearly")},
				Recurring:   &stripe.CheckoutSessionLineItemPriceDataRecurringParams{Interval: stripe.String("year")},
			},
		}},
		SubscriptionData: &stripe.CheckoutSessionSubscriptionDataParams{Metadata: map[string]string{"order_id": "7"}},
	}
	cs, err := f.sc.CheckoutSessions.New(p)
	require.NoError(t, err)
	return cs
}

func TestSubscriptionCheckoutRenewsAYearLater(t *testing.T) {
	f := setup(t, Options{})
	cs := subscriptionSession(t, f)
	require.Equal(t, stripe.CheckoutSessionModeSubscription, cs.Mode)
	f.mustControl(t, 200, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]any{"card": "4242424242424242"})

	p := &stripe.CheckoutSessionParams{}
	p.AddExpand("invoice.payment_intent")
	p.AddExpand("subscription")
	got, err := f.sc.CheckoutSessions.Get(cs.ID, p)
	require.NoError(t, err)
	require.Nil(t, got.PaymentIntent, "a subscription-mode session has no payment intent of its own")
	require.Equal(t, stripe.CheckoutSessionPaymentStatusPaid, got.PaymentStatus)
	first := got.Invoice
	require.Equal(t, stripe.InvoiceStatusPaid, first.Status)
	require.Equal(t, stripe.InvoiceBillingReasonSubscriptionCreate, first.BillingReason)
	require.Equal(t, int64(24900), first.AmountPaid)
	require.Equal(t, stripe.PaymentIntentStatusSucceeded, first.PaymentIntent.Status)
	require.Equal(t, first.ID, first.PaymentIntent.Invoice.ID)
	sub := got.Subscription
	require.Equal(t, stripe.SubscriptionStatusActive, sub.Status)
	require.Equal(t, "7", sub.Metadata["order_id"])
	require.Equal(t, sub.CurrentPeriodEnd, first.Lines.Data[0].Period.End)

	res := f.mustControl(t, 200, "POST", "/_sim/clock/advance", map[string]any{"seconds": year + 3600})
	require.EqualValues(t, 1, res["renewed"])
	require.EqualValues(t, 0, res["failed"])

	after, err := f.sc.Subscriptions.Get(sub.ID, nil)
	require.NoError(t, err)
	require.Equal(t, sub.CurrentPeriodEnd, after.CurrentPeriodStart)
	require.Greater(t, after.CurrentPeriodEnd, after.CurrentPeriodStart)
	inv, err := f.sc.Invoices.Get(after.LatestInvoice.ID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.InvoiceBillingReasonSubscriptionCycle, inv.BillingReason)
	require.Equal(t, stripe.InvoiceStatusPaid, inv.Status)
	require.Equal(t, after.CurrentPeriodEnd, inv.Lines.Data[0].Period.End, "the line's period is the one paid for")
	require.Equal(t, sub.CurrentPeriodEnd, inv.PeriodEnd, "the invoice's own period is the one that ended, as at Stripe")

	ip := &stripe.InvoiceListParams{Subscription: stripe.String(sub.ID)}
	ip.Limit = stripe.Int64(1)
	var ids []string
	it := f.sc.Invoices.List(ip)
	for it.Next() {
		ids = append(ids, it.Invoice().ID)
	}
	require.NoError(t, it.Err())
	require.Equal(t, []string{inv.ID, first.ID}, ids, "newest first, one per page")

	evs := eventTypes(t, f)
	require.Contains(t, evs, "invoice.paid")
	require.Equal(t, 2, count(evs, "invoice.paid"))
	require.Equal(t, 1, count(evs, "customer.subscription.created"))
}

func TestRenewalWithFailingCardGoesPastDueThenEndsUnpaid(t *testing.T) {
	f := setup(t, Options{})
	subID := paidSubscription(t, f, "4000 0000 0000 0341")

	res := f.mustControl(t, 200, "POST", "/_sim/clock/advance", map[string]any{"seconds": year + 3600})
	require.EqualValues(t, 0, res["renewed"])
	require.EqualValues(t, 1, res["failed"])
	sub, err := f.sc.Subscriptions.Get(subID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.SubscriptionStatusPastDue, sub.Status)
	inv, err := f.sc.Invoices.Get(sub.LatestInvoice.ID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.InvoiceStatusOpen, inv.Status)
	require.NotEmpty(t, inv.HostedInvoiceURL)
	require.NotZero(t, inv.NextPaymentAttempt)

	res = f.mustControl(t, 200, "POST", "/_sim/clock/advance", map[string]any{"seconds": 10 * 24 * 3600})
	require.EqualValues(t, 3, res["failed"], "three retries, then it gives up")
	list := f.sc.Subscriptions.List(&stripe.SubscriptionListParams{})
	require.False(t, list.Next(), "a canceled subscription is left out of the default list")
	sub, err = f.sc.Subscriptions.Get(subID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.SubscriptionStatusCanceled, sub.Status)
	evs := eventTypes(t, f)
	require.Equal(t, 4, count(evs, "invoice.payment_failed"))
	require.Equal(t, 1, count(evs, "customer.subscription.deleted"))
}

func TestFailedRenewalPaidWithANewCardIsActiveAgain(t *testing.T) {
	f := setup(t, Options{})
	cs := subscriptionSession(t, f)
	f.mustControl(t, 200, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]any{"card": "4242424242424242"})
	got, err := f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	subID := got.Subscription.ID
	f.mustControl(t, 200, "POST", "/_sim/subscriptions/"+subID+"/card", map[string]any{"card": "4000000000000341"})
	f.mustControl(t, 200, "POST", "/_sim/clock/advance", map[string]any{"seconds": year + 60})
	sub, err := f.sc.Subscriptions.Get(subID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.SubscriptionStatusPastDue, sub.Status)

	f.mustControl(t, 200, "POST", "/_sim/invoices/"+sub.LatestInvoice.ID+"/pay", map[string]any{"card": "4242424242424242"})
	sub, err = f.sc.Subscriptions.Get(subID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.SubscriptionStatusActive, sub.Status)
	inv, err := f.sc.Invoices.Get(sub.LatestInvoice.ID, nil)
	require.NoError(t, err)
	require.True(t, inv.Paid)
	require.Equal(t, int64(2), inv.AttemptCount)
}

func TestCancelAtPeriodEndEndsWithoutRenewing(t *testing.T) {
	f := setup(t, Options{})
	subID := paidSubscription(t, f, "4242424242424242")
	f.mustControl(t, 200, "POST", "/_sim/subscriptions/"+subID+"/cancel", map[string]any{"at_period_end": true})
	res := f.mustControl(t, 200, "POST", "/_sim/clock/advance", map[string]any{"seconds": year + 60})
	require.EqualValues(t, 0, res["renewed"])
	require.EqualValues(t, 0, res["failed"])
	sub, err := f.sc.Subscriptions.Get(subID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.SubscriptionStatusCanceled, sub.Status)
}

// TestCancelNowThroughTheAPI: DELETE /v1/subscriptions/{id}, as stripe-go
// sends it, ends the subscription now with customer.subscription.deleted,
// never renews it, and refuses a second cancel as Stripe does.
func TestCancelNowThroughTheAPI(t *testing.T) {
	f := setup(t, Options{})
	subID := paidSubscription(t, f, "4242424242424242")
	sub, err := f.sc.Subscriptions.Cancel(subID, nil)
	require.NoError(t, err)
	require.Equal(t, stripe.SubscriptionStatusCanceled, sub.Status)
	require.NotZero(t, sub.EndedAt)
	require.Equal(t, 1, count(eventTypes(t, f), "customer.subscription.deleted"))

	_, err = f.sc.Subscriptions.Cancel(subID, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "already canceled")
	res := f.mustControl(t, 200, "POST", "/_sim/clock/advance", map[string]any{"seconds": year + 60})
	require.EqualValues(t, 0, res["renewed"])
}

func TestSubscriptionModeRefusesOneTimePrices(t *testing.T) {
	f := setup(t, Options{})
	p := sessionParams("r1")
	p.Mode = stripe.String("subscription")
	p.PaymentIntentData = nil
	_, err := f.sc.CheckoutSessions.New(p)
	require.Error(t, err)
	require.Contains(t, err.Error(), "recurring")
}

func eventTypes(t *testing.T, f *fixture) []string {
	t.Helper()
	var out []string
	p := &stripe.EventListParams{}
	p.Limit = stripe.Int64(100)
	it := f.sc.Events.List(p)
	for it.Next() {
		out = append(out, string(it.Event().Type))
	}
	require.NoError(t, it.Err())
	return out
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// paidSubscription pays a subscription-mode checkout with card and returns
// the subscription it started.
func paidSubscription(t *testing.T, f *fixture, card string) string {
	t.Helper()
	cs := subscriptionSession(t, f)
	f.mustControl(t, 200, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]any{"card": card})
	got, err := f.sc.CheckoutSessions.Get(cs.ID, nil)
	require.NoError(t, err)
	return got.Subscription.ID
}
