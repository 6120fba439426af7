package cli

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// TestACompletionReadsTheProcessorOnce: handling a paid checkout's
// completion reads the session once, with its charge (and for a
// subscription its first invoice and the subscription) expanded in the same
// answer, so an event costs one call of the processor's rate budget, not
// four; and the facts read that way serve the order as before. A plan
// sold as one payment makes no subscription at the processor (a read of the
// plan inside the checkout's transaction once lost one_time and sold it as
// a renewing subscription).
func TestACompletionReadsTheProcessorOnce(t *testing.T) {
	oneTime := billing.Plan{Code: "lifetime", Name: "Lifetime", Amount: 49900, Currency: "usd", Interval: "year", OneTime: true, Active: true}
	for _, plan := range []billing.Plan{demoPlan, oneTime} {
		t.Run(plan.Code, func(t *testing.T) {
			s := newTestStack(t)
			require.NoError(t, s.store.UpsertPlan(context.Background(), plan))
			order, payURL, err := s.billing.StartCheckout(context.Background(), billing.CheckoutForm{
				Email: "once-" + plan.Code + "@example.test", PlanCode: plan.Code, FormToken: "form-" + randHex(10),
			})
			require.NoError(t, err)
			session := payURL[len(payURL)-len("cs_test_")-58:]
			s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242"}`)
			body := s.event(t, billing.EventCheckoutCompleted)

			require.Equal(t, map[string]int{"GET /v1/checkout/sessions/{id}": 1}, s.callsToDeliver(t, body))

			s.requireOneEffect(t, order.ID)
			want := 0
			if plan.Renews() {
				want = 1
			}
			require.Len(t, s.simList(t, "subscriptions"), want, "subscriptions at the processor")
			require.Equal(t, want, s.count(t, `SELECT count(*) FROM subscriptions WHERE order_id = $1`, order.ID),
				"the subscription recorded from the one answer")
			require.Equal(t, want, s.count(t, `SELECT count(*) FROM invoices WHERE subscription_id IS NOT NULL`),
				"its first invoice recorded from the one answer")
			if !plan.Renews() {
				// Its payment's own event reads the payment with its charge.
				pi := s.event(t, billing.EventPaymentSucceeded)
				require.Equal(t, map[string]int{"GET /v1/payment_intents/{id}": 1}, s.callsToDeliver(t, pi))
				s.requireOneEffect(t, order.ID)
			}
		})
	}
}

// TestARenewalReadsTheProcessorOnce: a renewal's invoice.paid reads the
// invoice once, with its subscription and charge expanded, and grants the
// new period as before.
func TestARenewalReadsTheProcessorOnce(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "renews-once@example.test", "4242424242424242")
	s.advanceSim(t, simYear+3600)
	body := s.event(t, billing.EventInvoicePaid)
	require.Equal(t, map[string]int{"GET /v1/invoices/{id}": 1}, s.callsToDeliver(t, body))
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Len(t, s.emailMessages(t, "renews-once@example.test", "renewal_receipt"), 1)
}

// callsToDeliver delivers a signed event and returns the processor calls
// that handling it made, by endpoint.
func (s *testStack) callsToDeliver(t *testing.T, body []byte) map[string]int {
	t.Helper()
	before := s.simStats(t)
	require.Equal(t, http.StatusOK, s.deliver(t, body))
	calls := map[string]int{}
	for k, n := range s.simStats(t) {
		if d := n - before[k]; d > 0 {
			calls[k] = d
		}
	}
	return calls
}
