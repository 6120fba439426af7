package cli

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// The two people who do all of support.
var (
	alice = staff.User{ID: 1, Email: "alice@shop.test", Role: staff.RoleSupport}
	bob   = staff.User{ID: 2, Email: "bob@shop.test", Role: staff.RoleAdmin}
)

// openMismatch sweeps when asked and returns the open mismatch of kind.
func (s *testStack) openMismatch(t *testing.T, kind string) store.MismatchState {
	t.Helper()
	var id int64
	require.NoError(t, s.store.DB().Get(&id,
		`SELECT id FROM mismatches WHERE kind = $1 AND status = 'open' ORDER BY id LIMIT 1`, kind), "no open %s", kind)
	return s.mismatchState(t, id)
}

func (s *testStack) mismatchState(t *testing.T, id int64) store.MismatchState {
	t.Helper()
	m, err := s.store.MismatchForAction(context.Background(), id)
	require.NoError(t, err)
	return m
}

// as is a request on m as the page rendered it now, by who.
func as(who staff.User, m store.MismatchState) resolve.Request {
	return resolve.Request{MismatchID: m.ID, Version: m.Version, Actor: who}
}

func requireKind(t *testing.T, err error, kind apperr.Kind, contains string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, kind, apperr.KindOf(err), "%v", err)
	require.Contains(t, apperr.SafeMessage(err, ""), contains)
}

func (s *testStack) audits(t *testing.T, action string, m store.MismatchState) int {
	t.Helper()
	return s.count(t, `SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2`, "mismatch."+action, resolve.Target(m.ID))
}

func (s *testStack) accessUntil(t *testing.T, email string) time.Time {
	t.Helper()
	var until time.Time
	require.NoError(t, s.store.DB().Get(&until,
		`SELECT e.valid_until FROM entitlements e JOIN accounts a ON a.id = e.account_id WHERE lower(a.email) = lower($1)`, email))
	return until
}

// TestResolveLinkThenProvisionIdentityUnknown is the seed's support case:
// a payment with no usable email that the sweep could not serve. Verify &
// provision refuses until an account is linked, a page from before the link
// is refused as stale, and then one click serves it through Fulfill with
// fulfilled_via = staff: one order, one year, one support_resolution email
// from the person, the mismatch resolved, one audit row with the facts.
func TestResolveLinkThenProvisionIdentityUnknown(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	paid := s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	m := s.openMismatch(t, billing.KindIdentityUnknown)
	require.Equal(t, paid.PaymentIntent, m.PaymentIntentID)

	_, err := s.resolve.VerifyAndProvision(ctx, as(alice, m))
	requireKind(t, err, apperr.Invalid, "link an account first")
	_, err = s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "not an address"})
	requireKind(t, err, apperr.Invalid, "not an address we can write to")
	_, err = s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "ana@example\x00.test"})
	requireKind(t, err, apperr.Invalid, "not an address we can write to")

	linked, err := s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "  Ana@Example.test "})
	require.NoError(t, err)
	require.Equal(t, "Linked: this payment is for ana@example.test. Verify & provision serves it.", linked.Message)
	require.Equal(t, m.Version+1, linked.Version)

	_, err = s.resolve.VerifyAndProvision(ctx, as(bob, m))
	requireKind(t, err, apperr.Conflict, "Alice linked this payment to an account at ")

	res, err := s.resolve.VerifyAndProvision(ctx, as(bob, s.mismatchState(t, m.ID)))
	require.NoError(t, err)
	until := s.accessUntil(t, "ana@example.test")
	require.WithinDuration(t, time.Now().AddDate(1, 0, 0), until, time.Minute)
	require.Equal(t, "Provisioned: ana@example.test now has Pro (yearly) until "+until.UTC().Format("2 January 2006")+
		"; we emailed them.", res.Message)
	require.Equal(t, "resolved", res.Status)

	o, err := s.store.OrderByPublicRef(ctx, s.refOf(t, res.OrderID))
	require.NoError(t, err)
	require.Equal(t, billing.StatusFulfilled, o.Status)
	require.Equal(t, string(billing.ViaStaff), o.FulfilledVia)
	require.Equal(t, "ana@example.test", o.Email)
	require.Equal(t, paid.PaymentIntent, o.PaymentIntentID)
	require.Equal(t, []string{"support_resolution"}, s.emailsTo(t, "ana@example.test"), "one email, from the person")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'support_resolution' AND order_id = $1
		AND text_body LIKE '%I''m Bob from support.%' AND text_body LIKE '%You do not need to do anything else%'
		AND text_body LIKE '%' || $2 || '%' AND text_body LIKE '%support@shop.test%'`, o.ID, o.PublicRef))

	after := s.mismatchState(t, m.ID)
	require.Equal(t, "resolved", after.Status)
	require.Equal(t, bob.Email, after.ResolvedBy)
	require.Contains(t, after.Resolution, "provisioned by bob@shop.test")
	require.Equal(t, 1, s.audits(t, "link_account", m))
	require.Equal(t, 1, s.audits(t, "verify_provision", m))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mismatch.verify_provision'
		AND actor = $1 AND details->>'payment_status' = 'succeeded' AND details->>'amount' = '24900'
		AND details->>'outcome' = 'fulfilled'`, bob.Email))

	_, err = s.resolve.VerifyAndProvision(ctx, as(alice, after))
	requireKind(t, err, apperr.Conflict, "Bob already provisioned this at ")
	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.MismatchesOpened, "a served payment is not queued again")
	require.Empty(t, s.mismatches(t, "open"))
}

func (s *testStack) refOf(t *testing.T, orderID int64) string {
	t.Helper()
	var ref string
	require.NoError(t, s.store.DB().Get(&ref, `SELECT public_ref FROM orders WHERE id = $1`, orderID))
	return ref
}

// TestResolveProvisionRefusesWhatTheProcessorNowSays reads the payment at
// click time: refunded or disputed since detection, it is refused with the
// reason and nothing changes.
func TestResolveProvisionRefusesWhatTheProcessorNowSays(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	refunded := s.orphan(t, "", 24900, nil)
	disputed := s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	for _, tc := range []struct {
		pay    payment
		action string
		want   string
	}{
		{refunded, "/refund", "was refunded in full"},
		{disputed, "/dispute", "is disputed"},
	} {
		var id int64
		require.NoError(t, s.store.DB().Get(&id, `SELECT id FROM mismatches WHERE payment_intent_id = $1`, tc.pay.PaymentIntent))
		m := s.mismatchState(t, id)
		_, err := s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "late@example.test"})
		require.NoError(t, err)
		m = s.mismatchState(t, id)
		s.simPost(t, "/_sim/charges/"+tc.pay.Charge+tc.action, `{}`)

		live, err := s.resolve.Live(ctx, id)
		require.NoError(t, err)
		require.Contains(t, live.ProvisionRefusal, tc.want, "the page shows why before the click")
		_, err = s.resolve.VerifyAndProvision(ctx, as(alice, m))
		requireKind(t, err, apperr.Invalid, tc.want)
		require.Equal(t, m.Version, s.mismatchState(t, id).Version, "a refusal changes nothing")
		require.Equal(t, "open", s.mismatchState(t, id).Status)
		require.Zero(t, s.audits(t, "verify_provision", m))
	}
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders`))
	require.Empty(t, s.emailsTo(t, "late@example.test"))
}

// TestResolveAmountMismatchProvisionsOnceTheProcessorAgrees: a payment of
// the wrong amount is refused; an overpayment whose difference is refunded
// (a partial refund, which leaves the mismatch open with a note) then
// matches its plan and is provisioned.
func TestResolveAmountMismatchProvisionsOnceTheProcessorAgrees(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "under@example.test", 100, map[string]string{"plan": demoPlan.Code})
	over := s.orphan(t, "over@example.test", 30000, map[string]string{"plan": demoPlan.Code})
	s.sweep(t, recon.SweepOptions{})

	var underID, overID int64
	require.NoError(t, s.store.DB().Get(&underID, `SELECT id FROM mismatches WHERE kind = 'amount_mismatch' AND email = 'under@example.test'`))
	require.NoError(t, s.store.DB().Get(&overID, `SELECT id FROM mismatches WHERE kind = 'amount_mismatch' AND email = 'over@example.test'`))
	_, err := s.resolve.VerifyAndProvision(ctx, as(alice, s.mismatchState(t, underID)))
	requireKind(t, err, apperr.Invalid, "The customer paid $1.00, but Pro (yearly) costs $249.00: refund it, or dismiss it.")
	_, err = s.resolve.VerifyAndProvision(ctx, as(alice, s.mismatchState(t, overID)))
	requireKind(t, err, apperr.Invalid, "refund the $51.00 difference, then provision")

	part, err := s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, s.mismatchState(t, overID)),
		Amount: 5100, Reason: resolve.ReasonOverpaid, Comment: "customer typed 300"})
	require.NoError(t, err)
	require.Equal(t, "open", part.Status)
	require.Equal(t, "Refunded $51.00 of $300.00; we emailed over@example.test. The mismatch stays open for what is left.", part.Message)
	m := s.mismatchState(t, overID)
	require.Contains(t, m.Notes, "alice@shop.test: refunded $51.00 (overpaid): customer typed 300")
	require.Nil(t, m.PendingRefund)

	res, err := s.resolve.VerifyAndProvision(ctx, as(bob, m))
	require.NoError(t, err)
	require.Contains(t, res.Message, "Provisioned: over@example.test now has Pro (yearly) until ")
	require.Equal(t, []string{"payment_on_hold", "refund_issued", "support_resolution"}, s.emailsTo(t, "over@example.test"))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND status = 'fulfilled'
		AND fulfilled_via = 'staff'`, over.PaymentIntent))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'support_resolution'
		AND text_body LIKE '%$51.00 of your payment has been refunded%'`))
}

// TestResolveDismissNeedsAReason: a dismissal without a reason (or with
// one the database cannot store) is Invalid; with one it closes the
// mismatch for good, and a second click is told who did it.
func TestResolveDismissNeedsAReason(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	m := s.openMismatch(t, billing.KindIdentityUnknown)

	for _, reason := range []string{"", "   \n\t", "null\x00byte"} {
		_, err := s.resolve.Dismiss(ctx, resolve.DismissRequest{Request: as(alice, m), Reason: reason})
		require.Equal(t, apperr.Invalid, apperr.KindOf(err), "%q: %v", reason, err)
	}
	require.Equal(t, m.Version, s.mismatchState(t, m.ID).Version)

	res, err := s.resolve.Dismiss(ctx, resolve.DismissRequest{Request: as(alice, m), Reason: "test payment by the owner"})
	require.NoError(t, err)
	require.Equal(t, "dismissed", res.Status)
	after := s.mismatchState(t, m.ID)
	require.Equal(t, "dismissed", after.Status)
	require.Equal(t, "Dismissed by alice@shop.test: test payment by the owner", after.Resolution)
	require.Equal(t, 1, s.audits(t, "dismiss", m))

	_, err = s.resolve.Dismiss(ctx, resolve.DismissRequest{Request: as(bob, after), Reason: "me too"})
	requireKind(t, err, apperr.Conflict, "Alice already dismissed this at ")
	_, err = s.resolve.Claim(ctx, resolve.ClaimRequest{Request: as(bob, after)})
	requireKind(t, err, apperr.Conflict, "Alice already dismissed this")
	_, err = s.resolve.Note(ctx, resolve.NoteRequest{Request: as(bob, m), Text: "owner confirmed on the phone"})
	require.NoError(t, err, "a note is taken on a closed mismatch, from any page")
	require.Contains(t, s.mismatchState(t, m.ID).Notes, "bob@shop.test: owner confirmed on the phone")
	require.Zero(t, s.sweep(t, recon.SweepOptions{}).MismatchesOpened, "a dismissal stands")
}

// TestResolveStalePageIsRefused: after any change, a page rendered before
// it is refused with who did what, and nothing happens; claiming what
// someone else is on needs TakeOver.
func TestResolveStalePageIsRefused(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	page := s.openMismatch(t, billing.KindIdentityUnknown)

	_, err := s.resolve.Note(ctx, resolve.NoteRequest{Request: as(alice, page), Text: "emailing the bank"})
	require.NoError(t, err)
	_, err = s.resolve.Dismiss(ctx, resolve.DismissRequest{Request: as(bob, page), Reason: "looks like a test"})
	requireKind(t, err, apperr.Conflict, "Alice added a note to this at ")
	require.Contains(t, apperr.SafeMessage(err, ""), "after this page was loaded")
	require.Equal(t, "open", s.mismatchState(t, page.ID).Status)
	_, err = s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(bob, page), Email: "x@example.test"})
	requireKind(t, err, apperr.Conflict, "Alice added a note")
	_, err = s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(bob, page), Reason: resolve.ReasonCannotServe})
	requireKind(t, err, apperr.Conflict, "Alice added a note")
	require.Empty(t, s.simList(t, "refunds"), "a stale refund asks the processor nothing")

	fresh := s.mismatchState(t, page.ID)
	claimed, err := s.resolve.Claim(ctx, resolve.ClaimRequest{Request: as(alice, fresh)})
	require.NoError(t, err)
	require.Equal(t, alice.Email, s.mismatchState(t, page.ID).ClaimedBy)
	fresh = s.mismatchState(t, page.ID)
	require.Equal(t, claimed.Version, fresh.Version)
	_, err = s.resolve.Claim(ctx, resolve.ClaimRequest{Request: as(bob, fresh)})
	requireKind(t, err, apperr.Conflict, "Alice is on this since ")
	took, err := s.resolve.Claim(ctx, resolve.ClaimRequest{Request: as(bob, fresh), TakeOver: true})
	require.NoError(t, err)
	require.Equal(t, "You took this over from Alice.", took.Message)
	require.Equal(t, bob.Email, s.mismatchState(t, page.ID).ClaimedBy)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mismatch.take_over' AND actor = $1
		AND details->>'previous' = $2`, bob.Email, alice.Email))
}

// TestResolveRefusesWhoMayNotAndWhatDoesNotFit: a request without a
// signed-in, enabled login is Forbidden; an action of another kind is
// Invalid; an unknown mismatch is NotFound.
func TestResolveRefusesWhoMayNotAndWhatDoesNotFit(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	m := s.openMismatch(t, billing.KindIdentityUnknown)
	disabled, now := alice, time.Now()
	disabled.DisabledAt = &now
	for _, who := range []staff.User{{}, disabled, {ID: 9, Email: "x@shop.test", Role: "viewer"}} {
		_, err := s.resolve.Dismiss(ctx, resolve.DismissRequest{Request: as(who, m), Reason: "no"})
		require.Equal(t, apperr.Forbidden, apperr.KindOf(err), "%+v: %v", who, err)
	}
	_, err := s.resolve.Dismiss(ctx, resolve.DismissRequest{Request: resolve.Request{MismatchID: m.ID + 1000, Actor: alice}, Reason: "no"})
	require.Equal(t, apperr.NotFound, apperr.KindOf(err))

	_, err = s.store.DB().Exec(`UPDATE mismatches SET kind = 'disputed' WHERE id = $1`, m.ID)
	require.NoError(t, err)
	_, err = s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "a@example.test"})
	requireKind(t, err, apperr.Invalid, "Link account does not apply to a disputed payment mismatch.")
	_, err = s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, m), Reason: resolve.ReasonGoodwill})
	requireKind(t, err, apperr.Invalid, "Refund does not apply")
}

// TestResolveProcessorUnreachable: when the processor cannot be reached,
// the action says so in words and changes nothing.
func TestResolveProcessorUnreachable(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	m := s.openMismatch(t, billing.KindIdentityUnknown)
	_, err := s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "ana@example.test"})
	require.NoError(t, err)
	m = s.mismatchState(t, m.ID)
	live, err := s.resolve.Live(ctx, m.ID)
	require.NoError(t, err)
	require.Empty(t, live.ProvisionRefusal)
	require.EqualValues(t, 24900, live.Refundable)
	require.Equal(t, "succeeded", live.Payment.Status)
	s.simPost(t, "/_sim/faults", `{"api_error_rate": 1.0}`)
	_, err = s.resolve.Live(ctx, m.ID)
	requireKind(t, err, apperr.Unavailable, "Couldn't reach the processor")
	_, err = s.resolve.VerifyAndProvision(ctx, as(alice, m))
	requireKind(t, err, apperr.Unavailable, "Couldn't reach the processor, try again.")
	require.Equal(t, m.Version, s.mismatchState(t, m.ID).Version)
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders`))
}

// stuckMismatch queues a stuck_pending mismatch for a paid checkout whose
// order is still pending, as a person would find it when healing failed.
func (s *testStack) stuckMismatch(t *testing.T, email string) (billing.Order, string, store.MismatchState) {
	t.Helper()
	order, session, p := s.checkout(t, email, true)
	var id int64
	require.NoError(t, s.store.DB().Get(&id, `INSERT INTO mismatches (kind, subject, order_id, email, payment_intent_id,
		charge_id, checkout_session_id, amount, currency) VALUES ('stuck_pending', $1, $2, $3, $1, $4, $5, 24900, 'usd')
		RETURNING id`, p.PaymentIntent, order.ID, email, p.Charge, session))
	return order, session, s.mismatchState(t, id)
}

// TestResolveStuckPendingAndUnpricedOrphan: a stuck order is served by
// staff with the one email from the person; one served meanwhile by the
// return page is resolved as already served, with no email of ours; an
// orphan of an amount no plan costs is refused and refunded instead.
func TestResolveStuckPendingAndUnpricedOrphan(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	stuck, _, m := s.stuckMismatch(t, "stuck@example.test")
	res, err := s.resolve.VerifyAndProvision(ctx, as(alice, m))
	require.NoError(t, err)
	require.Equal(t, stuck.ID, res.OrderID)
	require.Equal(t, string(billing.ViaStaff), s.orderByRef(t, stuck.PublicRef).FulfilledVia)
	require.Equal(t, []string{"support_resolution"}, s.emailsTo(t, "stuck@example.test"))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE text_body LIKE '%did not finish your order%'`))

	served, session, m2 := s.stuckMismatch(t, "meanwhile@example.test")
	_, err = s.billing.ReturnFromCheckout(ctx, session)
	require.NoError(t, err)
	res, err = s.resolve.VerifyAndProvision(ctx, as(bob, m2))
	require.NoError(t, err)
	require.Contains(t, res.Message, "Already served: meanwhile@example.test has Pro (yearly) until ")
	require.Contains(t, res.Message, "(via return_page); no email sent.")
	require.Equal(t, []string{"order_confirmation"}, s.emailsTo(t, "meanwhile@example.test"))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants WHERE order_id = $1`, served.ID))
	require.Equal(t, "resolved", s.mismatchState(t, m2.ID).Status)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE target = $1 AND details->>'outcome' = 'already_served'`,
		resolve.Target(m2.ID)))

	unpriced := s.orphan(t, "noplan@example.test", 1234, nil)
	s.sweep(t, recon.SweepOptions{})
	o := s.openMismatch(t, billing.KindOrphanPayment)
	require.Equal(t, unpriced.PaymentIntent, o.PaymentIntentID)
	_, err = s.resolve.VerifyAndProvision(ctx, as(alice, o))
	requireKind(t, err, apperr.Invalid, "No single plan costs $12.34")
	res, err = s.resolve.Refund(ctx, resolve.RefundRequest{Request: as(alice, o), Reason: resolve.ReasonCannotServe})
	require.NoError(t, err)
	require.Equal(t, "Refunded $12.34; we emailed noplan@example.test.", res.Message)
	require.Equal(t, []string{"payment_on_hold", "refund_issued"}, s.emailsTo(t, "noplan@example.test"))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued' AND order_id IS NULL
		AND text_body LIKE '%$12.34 for your recent order%' AND text_body LIKE '%' || $1 || '%'`, unpriced.PaymentIntent))
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1`, unpriced.PaymentIntent))
	require.Equal(t, "resolved", s.mismatchState(t, o.ID).Status)
}
