package cli

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/store"
)

// duplicate makes the seed's double purchase: the customer buys twice
// through our checkout and both orders are served, so the account has two
// years. The sweep queues one payment as a duplicate_payment (the later,
// or by id within one second): that is the extra, the other is kept.
func (s *testStack) duplicate(t *testing.T, email string) (kept, second billing.Order, extra payment, m store.MismatchState) {
	t.Helper()
	a, pa := s.served(t, email)
	b, pb := s.served(t, email)
	s.sweep(t, recon.SweepOptions{})
	m = s.openMismatch(t, billing.KindDuplicatePayment)
	if m.PaymentIntentID == pa.PaymentIntent {
		return b, a, pa, m
	}
	require.Equal(t, pb.PaymentIntent, m.PaymentIntentID)
	return a, b, pb, m
}

// refundsOf lists the simulator's refunds of a payment intent.
func (s *testStack) refundsOf(t *testing.T, paymentIntent string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range s.simList(t, "refunds") {
		if r["payment_intent"] == paymentIntent {
			out = append(out, r)
		}
	}
	return out
}

// TestResolveRefundDuplicateWithdrawsThePeriod refunds the extra payment
// of a duplicate: one refund at the processor, the second year withdrawn
// (access back to one year), the extra order
// refunded, the first untouched, refund_issued queued, the mismatch
// resolved with an audit row for the request and one for the refund.
func TestResolveRefundDuplicateWithdrawsThePeriod(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	kept, second, extra, m := s.duplicate(t, "twice@example.test")
	require.WithinDuration(t, time.Now().AddDate(2, 0, 0), s.accessUntil(t, "twice@example.test"), time.Minute, "two years before")

	res, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonDuplicate,
		Comment: "bought twice after the blank page"})
	require.NoError(t, err)
	require.Equal(t, "resolved", res.Status)
	oneYear := s.accessUntil(t, "twice@example.test")
	require.WithinDuration(t, time.Now().AddDate(1, 0, 0), oneYear, time.Minute, "back to one year")
	extraSub, keptSub := s.subscriptionOfOrder(t, second.ID), s.subscriptionOfOrder(t, kept.ID)
	require.Equal(t, "Refunded $249.00; the period it granted is withdrawn, so twice@example.test's access now ends "+
		oneYear.UTC().Format("2 January 2006")+"; its subscription "+extraSub+" is canceled at the processor, so it will not renew; "+
		"we emailed twice@example.test.", res.Message)
	require.Equal(t, "canceled", s.simSubscription(t, extraSub)["status"], "the extra purchase never renews")
	require.Equal(t, "active", s.simSubscription(t, keptSub)["status"], "the purchase kept renews")

	refunds := s.refundsOf(t, extra.PaymentIntent)
	require.Len(t, refunds, 1)
	require.EqualValues(t, 24900, refunds[0]["amount"])
	require.Equal(t, "duplicate", refunds[0]["reason"])
	require.Zero(t, s.count(t, `SELECT count(*) FROM entitlement_grants WHERE order_id = $1`, second.ID))
	require.Equal(t, billing.StatusRefunded, s.orderByRef(t, second.PublicRef).Status)
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, kept.PublicRef).Status)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'access_withdrawn'`, second.ID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued' AND order_id = $1
		AND to_email = 'twice@example.test' AND text_body LIKE '%charged twice%' AND status = 'queued'`, second.ID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'message_id' IN
		(SELECT CAST(id AS text) FROM email_messages WHERE template = 'refund_issued')`))

	after := s.mismatchState(t, m.ID)
	require.Equal(t, "resolved", after.Status)
	require.Nil(t, after.PendingRefund)
	require.Contains(t, after.Resolution, "the payment is now refunded in full; withdrew the period")
	require.Contains(t, after.Resolution, "; canceled subscription "+extraSub+" so it does not renew")
	require.Equal(t, 1, s.audits(t, "refund_requested", m))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mismatch.refund' AND target = $1
		AND details->>'refund' = $2 AND details->>'withdrawn_until' <> '' AND details->>'subscription_canceled' = $3`,
		resolve.Target(m.ID), refunds[0]["id"], extraSub))

	_, err = s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(bob, m), Reason: resolve.ReasonDuplicate})
	requireKind(t, err, apperr.Conflict, "Alice already refunded this at ")
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1)
	require.Zero(t, s.sweep(t, recon.SweepOptions{}).MismatchesOpened, "nothing left to find")
}

// TestResolveRefundRefusals: a charge disputed or refunded in full at the
// processor, or an amount over what is left, is refused before anything is
// written or asked.
func TestResolveRefundRefusals(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	disputed := s.orphan(t, "", 24900, nil)
	refunded := s.orphan(t, "", 24900, nil)
	big := s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	s.simPost(t, "/_sim/charges/"+disputed.Charge+"/dispute", `{}`)
	s.simPost(t, "/_sim/charges/"+refunded.Charge+"/refund", `{}`)
	for _, tc := range []struct {
		pay    payment
		amount int64
		want   string
	}{
		{disputed, 0, "disputed: the bank is already taking the money back"},
		{refunded, 0, "already refunded in full"},
		{big, 30000, "You can refund at most $249.00"},
	} {
		var id int64
		require.NoError(t, s.store.DB().Get(&id, `SELECT id FROM mismatches WHERE payment_intent_id = $1`, tc.pay.PaymentIntent))
		m := s.mismatchState(t, id)
		_, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Amount: tc.amount, Reason: resolve.ReasonCannotServe})
		requireKind(t, err, apperr.Invalid, tc.want)
		require.Zero(t, s.audits(t, "refund_requested", m))
		require.Equal(t, m.Version, s.mismatchState(t, id).Version)
	}
	require.Empty(t, s.refundsOf(t, disputed.PaymentIntent), "no refund on a disputed charge")
	require.Len(t, s.refundsOf(t, refunded.PaymentIntent), 1, "only the one made at the processor")
	require.Empty(t, s.refundsOf(t, big.PaymentIntent))

	m := s.openMismatch(t, billing.KindIdentityUnknown)
	_, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: "because"})
	requireKind(t, err, apperr.Invalid, "Choose why you are refunding")
}

// lossyRefunds makes the processor's answer to the first refund get lost
// on the way back, after the processor made it: a timeout, a dropped
// connection, a crash.
type lossyRefunds struct {
	resolve.Processor
	lost atomic.Int32
}

func (p *lossyRefunds) CreateRefund(ctx context.Context, req billing.RefundRequest) (billing.Refund, error) {
	rf, err := p.Processor.CreateRefund(ctx, req)
	if err == nil && p.lost.Add(1) == 1 {
		return billing.Refund{}, apperr.New(apperr.Unavailable, "payment processor is unavailable")
	}
	return rf, err
}

// TestResolveRefundAnswerLostIsFinishedWithTheSameKey: the refund was
// made but its answer lost, so it stays written down; Refund from the
// reloaded page sends it again with the same idempotency key, the processor
// answers with the first refund, and it is recorded once. A second,
// deliberate partial refund from the page after that is a refund of its own.
func TestResolveRefundAnswerLostIsFinishedWithTheSameKey(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, _, extra, m := s.duplicate(t, "lost@example.test")
	svc := s.resolveWith(&lossyRefunds{Processor: s.proc})

	_, err := svc.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Amount: 1000, Reason: resolve.ReasonGoodwill})
	requireKind(t, err, apperr.Unavailable, "sent with the same key, so it can't be paid twice")
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1, "the processor made it")
	pending := s.mismatchState(t, m.ID)
	require.NotNil(t, pending.PendingRefund)
	require.EqualValues(t, 1000, pending.PendingRefund.Amount)
	_, err = svc.Dismiss(ctx, resolve.DismissRequest{Request: as(bob, pending), Reason: "done"})
	requireKind(t, err, apperr.Conflict, "Alice started a refund of $10.00 at ")

	res, err := svc.Refund(ctx, resolve.RefundRequest{Request: as(bob, pending), Reason: resolve.ReasonGoodwill})
	require.NoError(t, err)
	require.Equal(t, "open", res.Status)
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1, "finished with the same key: not paid twice")
	require.Equal(t, 1, s.audits(t, "refund_partial", m))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued'`))
	require.Nil(t, s.mismatchState(t, m.ID).PendingRefund)

	_, err = svc.Refund(ctx, resolve.RefundRequest{Request: as(bob, s.mismatchState(t, m.ID)), Amount: 1000, Reason: resolve.ReasonGoodwill})
	require.NoError(t, err)
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 2, "a second partial refund of the same amount is its own")
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued'`))
}
