package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
)

// fuzzRequestTimeout bounds one fuzzed request, in milliseconds, so a
// request that never answers fails with its input rather than stalling
// the fuzzer (which has no time limit per input).
const fuzzRequestTimeout = 20_000

// fuzzWorld is the stack a fuzz target runs against, built once per fuzz
// process: one order pending on an open, unpaid session, and one order
// paid and fulfilled (its session, payment intent and charge real at the
// simulator, none refunded or disputed). In that world no event, signed or
// not, has a processor fact that calls for a change, so every input must
// leave the money state exactly as it was.
type fuzzWorld struct {
	*testStack
	pendingSession string
	served         billing.Order
	servedSession  string
	before         string
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	f.Helper()
	// The processor's rate budget would pace the fuzzer, not guard anything.
	s := newTestStackWith(f, func(c *config.Config) { c.StripeRateLimit = 100_000 })
	ctx := context.Background()
	_, payURL, err := s.billing.StartCheckout(ctx, billing.CheckoutForm{
		Email: "pending@example.test", PlanCode: demoPlan.Code, FormToken: "form-" + randHex(10),
	})
	require.NoError(f, err)
	w := &fuzzWorld{testStack: s, pendingSession: sessionFromURL(payURL)}
	_, payURL, err = s.billing.StartCheckout(ctx, billing.CheckoutForm{
		Email: "served@example.test", PlanCode: demoPlan.Code, FormToken: "form-" + randHex(10),
	})
	require.NoError(f, err)
	session := sessionFromURL(payURL)
	s.simPost(f, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242"}`)
	w.served, err = s.billing.ReturnFromCheckout(ctx, session)
	require.NoError(f, err)
	require.Equal(f, billing.StatusFulfilled, w.served.Status)
	w.servedSession = session
	w.before = w.moneyState(f)
	return w
}

// sessionFromURL is the session id at the end of a payment page's URL.
func sessionFromURL(u string) string { return u[strings.LastIndex(u, "/")+1:] }

// objectIDs are the ids an event may name: the world's real objects, and
// what the fuzzer typed.
func (w *fuzzWorld) objectIDs(typed string) []string {
	return []string{typed, w.pendingSession, w.servedSession, w.served.PaymentIntentID, w.served.ChargeID, ""}
}

// moneyState is everything an event could change about money or access:
// every order's status and links, the grants, mismatches, emails, jobs and
// timeline rows. processor_events is left out: storing an event is allowed.
func (w *fuzzWorld) moneyState(t testing.TB) string {
	t.Helper()
	var orders []string
	require.NoError(t, w.store.DB().Select(&orders, `SELECT concat_ws('|', id, status, email, plan_code, amount,
		coalesce(checkout_session_id, ''), coalesce(payment_intent_id, ''), coalesce(charge_id, '')) FROM orders ORDER BY id`))
	return fmt.Sprint(orders,
		w.count(t, `SELECT count(*) FROM entitlement_grants`),
		w.count(t, `SELECT count(*) FROM entitlements`),
		w.count(t, `SELECT count(*) FROM mismatches`),
		w.count(t, `SELECT count(*) FROM email_messages`),
		w.count(t, `SELECT count(*) FROM river_job`),
		w.count(t, `SELECT count(*) FROM order_events`),
	)
}

// unchanged fails t when the money state moved.
func (w *fuzzWorld) unchanged(t *testing.T, what string) {
	t.Helper()
	if now := w.moneyState(t); now != w.before {
		t.Fatalf("%s changed the money state:\nbefore %s\nafter  %s", what, w.before, now)
	}
}
