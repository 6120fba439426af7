package cli

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// TestSweepDryRunChangesNothing dry-runs a world with something of every
// action (a payment to serve, an order to serve, one to expire, one for a
// person): the result says what a real run would do, and the database is
// exactly as it was, watermark included; the real run then does just that.
func TestSweepDryRunChangesNothing(t *testing.T) {
	s := sweepStack(t)
	s.orphan(t, "dry@example.test", 24900, map[string]string{"plan": demoPlan.Code})
	s.checkout(t, "drystuck@example.test", true)
	_, session, _ := s.checkout(t, "dryexpired@example.test", false)
	s.expireSession(t, session)
	s.orphan(t, "", 24900, nil)
	state := s.worldState(t)

	dry := s.sweep(t, recon.SweepOptions{DryRun: true})
	require.True(t, dry.DryRun)
	require.Equal(t, 3, dry.Healed, "would serve two and expire one")
	require.Equal(t, 1, dry.MismatchesOpened, "would queue the payment with no email")
	require.Equal(t, state, s.worldState(t), "a dry run changed orders, access, emails or mismatches")
	require.Zero(t, s.count(t, `SELECT count(*) FROM recon_state WHERE name = 'sweep_watermark'`), "a dry run moved the watermark")

	real := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, dry.Healed, real.Healed)
	require.Equal(t, dry.MismatchesOpened, real.MismatchesOpened)
	require.Equal(t, dry.ByKind, real.ByKind)
}

// TestSweepLeavesYoungPaymentsToTheWebhook is RECON_GRACE: a payment
// younger than the grace, and an order served moments ago whose payment is
// not listed yet, are the webhook's; the sweep neither serves nor flags
// them until they are older than the grace.
func TestSweepLeavesYoungPaymentsToTheWebhook(t *testing.T) {
	s := sweepStack(t)
	s.recon.sweeper.Grace = 10 * time.Minute
	s.orphan(t, "young@example.test", 24900, map[string]string{"plan": demoPlan.Code})
	_, err := s.store.DB().Exec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status,
		idempotency_key, payment_intent_id, fulfilled_via, paid_at, fulfilled_at)
		VALUES ('BK-YOUN-G001', 'served@example.test', $1, 24900, 'usd', 'fulfilled', 'young', 'pi_not_listed_yet', 'webhook',
		now() - interval '1 minute', now() - interval '1 minute')`, demoPlan.Code)
	require.NoError(t, err)

	res := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, res.Healed)
	require.Empty(t, res.ByKind)
	require.Zero(t, s.count(t, `SELECT count(*) FROM orders WHERE email = 'young@example.test'`))

	s.recon.sweeper.Now = func() time.Time { return time.Now().Add(11 * time.Minute) }
	res = s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.Healed)
	require.Equal(t, map[string]int{billing.KindOrphanPayment: 1, billing.KindUnpaidFulfilled: 1}, res.ByKind)
}

// TestSweepIgnoresReusedOrderIDs restores the situation a database restored
// from an older backup creates: the id a lost order had now belongs to
// another customer's order. A payment whose metadata names that id and its
// own public reference is served under its own reference; the other
// customer's order is not touched, and nothing is flagged.
func TestSweepIgnoresReusedOrderIDs(t *testing.T) {
	s := sweepStack(t)
	other, _ := s.served(t, "other@example.test")
	ref := billing.NewPublicRef()
	s.orphan(t, "lost@example.test", 24900, map[string]string{
		"order_id": fmt.Sprint(other.ID), "public_ref": ref, "plan": demoPlan.Code})

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.Healed)
	require.Equal(t, map[string]int{billing.KindOrphanPayment: 1}, res.ByKind)
	lost := s.orderByRef(t, ref)
	require.Equal(t, "lost@example.test", lost.Email)
	require.Equal(t, billing.StatusFulfilled, lost.Status)
	require.NotEqual(t, other.ID, lost.ID)
	require.Equal(t, []string{"delayed_fulfillment"}, s.emailsTo(t, "lost@example.test"))
	require.Equal(t, []string{"order_confirmation"}, s.emailsTo(t, "other@example.test"))
	require.Empty(t, s.mismatches(t, "open"))
}
