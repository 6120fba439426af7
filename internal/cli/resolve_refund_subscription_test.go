package cli

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/resolve"
)

// subscriptionOfOrder is the id of the subscription order started.
func (s *testStack) subscriptionOfOrder(t *testing.T, orderID int64) string {
	t.Helper()
	var id string
	require.NoError(t, s.store.DB().Get(&id, `SELECT id FROM subscriptions WHERE order_id = $1`, orderID))
	return id
}

// requireCanceled checks that a refund's confirmation names sub as
// canceled and that the processor has it canceled.
func (s *testStack) requireCanceled(t *testing.T, res resolve.Result, sub string) {
	t.Helper()
	require.Contains(t, res.Message, "its subscription "+sub+" is canceled at the processor")
	require.Equal(t, "canceled", s.simSubscription(t, sub)["status"])
}

// unreachableOnce makes the processor unreachable for the first call of
// one method; calls counts that method's calls.
type unreachableOnce struct {
	resolve.Processor
	method string
	calls  atomic.Int32
}

var errUnreachable = apperr.New(apperr.Unavailable, "payment processor is unavailable")

func (p *unreachableOnce) fails(method string) bool { return p.method == method && p.calls.Add(1) == 1 }

func (p *unreachableOnce) CancelSubscription(ctx context.Context, id string) (billing.Subscription, error) {
	if p.fails("CancelSubscription") {
		return billing.Subscription{}, errUnreachable
	}
	return p.Processor.CancelSubscription(ctx, id)
}

func (p *unreachableOnce) GetInvoice(ctx context.Context, id string) (billing.Invoice, error) {
	if p.fails("GetInvoice") {
		return billing.Invoice{}, errUnreachable
	}
	return p.Processor.GetInvoice(ctx, id)
}

// TestResolveRefundFinishesFindingTheSubscription: the processor cannot be
// reached to say which subscription the refunded payment paid for; the page
// says so, and Refund again finishes: one refund, the subscription canceled.
func TestResolveRefundFinishesFindingTheSubscription(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, second, extra, m := s.duplicate(t, "unfound@example.test")
	extraSub := s.subscriptionOfOrder(t, second.ID)
	svc := s.resolveWith(&unreachableOnce{Processor: s.proc, method: "GetInvoice"})

	_, err := svc.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonDuplicate})
	requireKind(t, err, apperr.Unavailable, "we couldn't ask the processor which subscription the payment paid for")
	require.Equal(t, "active", s.simSubscription(t, extraSub)["status"])

	res, err := svc.Refund(ctx, resolve.RefundRequest{Request: as(alice, s.mismatchState(t, m.ID)), Reason: resolve.ReasonDuplicate})
	require.NoError(t, err)
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1, "not refunded twice")
	s.requireCanceled(t, res, extraSub)
}

// TestResolveRefundFinishesStoppingTheSubscription: the extra payment is
// refunded but the processor cannot be reached to stop its subscription,
// so the page says so and the refund stays written down; Refund again
// sends the same refund (the processor answers with the one it made) and
// cancels the subscription: one refund, a canceled subscription, one
// refund_issued.
func TestResolveRefundFinishesStoppingTheSubscription(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, second, extra, m := s.duplicate(t, "stuck@example.test")
	extraSub := s.subscriptionOfOrder(t, second.ID)
	svc := s.resolveWith(&unreachableOnce{Processor: s.proc, method: "CancelSubscription"})

	_, err := svc.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonDuplicate})
	requireKind(t, err, apperr.Unavailable, "The refund went through, but we couldn't stop subscription "+extraSub+" from renewing")
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1)
	require.Equal(t, "active", s.simSubscription(t, extraSub)["status"])
	pending := s.mismatchState(t, m.ID)
	require.NotNil(t, pending.PendingRefund, "the refund stays written down until it is finished")
	require.Zero(t, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued'`))

	res, err := svc.Refund(ctx, resolve.RefundRequest{Request: as(alice, pending), Reason: resolve.ReasonDuplicate})
	require.NoError(t, err)
	require.Equal(t, "resolved", res.Status)
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1, "not refunded twice")
	s.requireCanceled(t, res, extraSub)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued'`))
}

// TestResolveRefundKeepsTheSubscriptionWhenAccessStays: a refund that
// leaves the access (goodwill, in full) or gives back part of a payment
// leaves its subscription renewing.
func TestResolveRefundKeepsTheSubscriptionWhenAccessStays(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, second, _, m := s.duplicate(t, "kept@example.test")
	extraSub := s.subscriptionOfOrder(t, second.ID)

	res, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Amount: 1000, Reason: resolve.ReasonDuplicate})
	require.NoError(t, err)
	require.Equal(t, "open", res.Status)
	require.NotContains(t, res.Message, "subscription")
	require.Equal(t, "active", s.simSubscription(t, extraSub)["status"], "a partial refund")

	res, err = s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, s.mismatchState(t, m.ID)), Reason: resolve.ReasonGoodwill})
	require.NoError(t, err)
	require.Equal(t, "resolved", res.Status)
	require.NotContains(t, res.Message, "subscription")
	require.Equal(t, "active", s.simSubscription(t, extraSub)["status"], "goodwill leaves the access, so the renewals too")
}

// TestResolveRefundOfASubscriptionAlreadyEnded: the customer canceled the
// extra subscription themselves before staff refunded it; the refund goes
// through and nothing asks the processor to cancel it again.
func TestResolveRefundOfASubscriptionAlreadyEnded(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, second, _, m := s.duplicate(t, "ended@example.test")
	extraSub := s.subscriptionOfOrder(t, second.ID)
	s.simPost(t, "/_sim/subscriptions/"+extraSub+"/cancel", `{}`)
	counting := &unreachableOnce{Processor: s.proc, method: "CancelSubscription"}
	counting.calls.Store(1) // every cancel reaches the processor
	res, err := s.resolveWith(counting).Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonDuplicate})
	require.NoError(t, err)
	require.Equal(t, "resolved", res.Status)
	require.Contains(t, res.Message, "its subscription "+extraSub+" is canceled at the processor")
	require.EqualValues(t, 1, counting.calls.Load(), "no cancel asked for a subscription already ended")
}

// TestResolveRefundCannotServeStopsTheSubscription: a payment we cannot
// serve, refunded in full, grants nothing to withdraw, but its subscription
// must not charge the customer again either.
func TestResolveRefundCannotServeStopsTheSubscription(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, second, _, m := s.duplicate(t, "unserved@example.test")
	extraSub := s.subscriptionOfOrder(t, second.ID)
	res, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonCannotServe})
	require.NoError(t, err)
	s.requireCanceled(t, res, extraSub)
}

// TestResolveRefundStopsASubscriptionWeNeverRecorded: our rows do not tie
// the extra payment to its subscription (its invoice never delivered to
// us, the subscription filed under the other order); the refund still asks
// the processor which subscription the payment paid for and cancels it.
func TestResolveRefundStopsASubscriptionWeNeverRecorded(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	kept, second, _, m := s.duplicate(t, "unrecorded@example.test")
	extraSub := s.subscriptionOfOrder(t, second.ID)
	_, err := s.store.DB().Exec(`UPDATE invoices SET payment_intent_id = NULL WHERE subscription_id = $1`, extraSub)
	require.NoError(t, err)
	_, err = s.store.DB().Exec(`UPDATE subscriptions SET order_id = $1 WHERE id = $2`, kept.ID, extraSub)
	require.NoError(t, err)

	res, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonDuplicate})
	require.NoError(t, err)
	require.Equal(t, "resolved", res.Status)
	s.requireCanceled(t, res, extraSub)
}
