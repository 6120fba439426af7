package cli

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// A second purchase by the same account extends the access it already has,
// from the end of the first year, rather than restarting a year from now.
func TestSecondPurchaseExtendsFromTheCurrentEnd(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	first, session := s.paidOrder(t, "twice@example.test")
	_, err := s.billing.ReturnFromCheckout(ctx, session)
	require.NoError(t, err)
	second, session := s.paidOrder(t, "twice@example.test")
	_, err = s.billing.ReturnFromCheckout(ctx, session)
	require.NoError(t, err)

	var ends []time.Time
	require.NoError(t, s.store.DB().Select(&ends,
		`SELECT valid_until FROM entitlement_grants WHERE order_id = ANY(ARRAY[$1, $2]::bigint[]) ORDER BY order_id`,
		first.ID, second.ID))
	require.Len(t, ends, 2)
	require.WithinDuration(t, demoPlan.Extend(ends[0]), ends[1], time.Second,
		"the second year starts where the first ends")
	var until time.Time
	require.NoError(t, s.store.DB().Get(&until,
		`SELECT e.valid_until FROM entitlements e JOIN accounts a ON a.id = e.account_id WHERE a.email = $1`, "twice@example.test"))
	require.WithinDuration(t, ends[1], until, time.Second, "the entitlement runs to the second grant's end")
}

// Fulfill's own "already served" check, not only the grant's unique
// constraint, makes a later event for a served order a quiet success: the
// event is processed, not failed and retried forever.
func TestEventForAServedOrderIsProcessedNotFailed(t *testing.T) {
	s := newTestStack(t)
	order, session := s.paidOrder(t, "served@example.test")
	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)

	for _, typ := range []string{billing.EventCheckoutCompleted, billing.EventPaymentSucceeded} {
		resp, err := s.app.Test(signed(s.event(t, typ), testSecret, timeNow()), -1)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, typ)
	}
	require.Zero(t, s.count(t, `SELECT count(*) FROM processor_events WHERE processed_at IS NULL OR last_error IS NOT NULL`),
		"every event for the served order is processed without error")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants WHERE order_id = $1`, order.ID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE order_id = $1`, order.ID))
}

// The checkout session's idempotency key comes from the public reference,
// which a restored database never reuses, not from the order id, which it
// does: a new order that reuses an old id gets a session of its own, for its
// own customer, instead of the processor replaying the old one.
func TestRestoredOrderIDGetsItsOwnSession(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	old, oldSession := s.paidOrder(t, "before-restore@example.test")
	db := s.store.DB()
	// The restore: the order is gone and its id will be handed out again.
	_, err := db.Exec(`DELETE FROM orders WHERE id = $1`, old.ID)
	require.NoError(t, err)
	_, err = db.Exec(`SELECT setval(pg_get_serial_sequence('orders', 'id'), $1, false)`, old.ID)
	require.NoError(t, err)

	fresh, payURL, err := s.billing.StartCheckout(ctx, billing.CheckoutForm{
		Email: "after-restore@example.test", PlanCode: demoPlan.Code, FormToken: formToken(),
	})
	require.NoError(t, err)
	require.Equal(t, old.ID, fresh.ID, "the restored sequence reuses the id")
	require.NotContains(t, payURL, oldSession, "a new session, not the old one replayed")
	stored := s.orderByRef(t, fresh.PublicRef)
	require.NotEqual(t, oldSession, stored.CheckoutSessionID)
	for _, sess := range s.simList(t, "checkout/sessions") {
		if sess["id"] == stored.CheckoutSessionID {
			require.Equal(t, "after-restore@example.test", sess["customer_email"])
			return
		}
	}
	t.Fatalf("session %s not at the processor", stored.CheckoutSessionID)
}
