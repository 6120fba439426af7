package cli

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// renewedThenRefunded buys the yearly plan, renews it a year later through
// its webhook, refunds the renewal's charge in full at the processor, and
// returns the order, the renewal invoice and its charge, and the access
// the renewal gave.
func (s *testStack) renewedThenRefunded(t *testing.T, email string) (billing.Order, string, string, time.Time) {
	t.Helper()
	order, sub := s.boughtYearly(t, email, "4242424242424242")
	s.advanceSim(t, simYear+3600)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaid)))
	var renewal struct {
		ID     string `db:"id"`
		Charge string `db:"charge_id"`
	}
	require.NoError(t, s.store.DB().Get(&renewal, `SELECT id, charge_id FROM invoices
		WHERE subscription_id = $1 AND billing_reason <> 'subscription_create'`, sub))
	until := s.accessUntil(t, email)
	s.simPost(t, "/_sim/charges/"+renewal.Charge+"/refund", `{}`)
	return order, renewal.ID, renewal.Charge, until
}

// sweepOnTheSimulatorsClock makes the sweep's window end at the
// simulator's time, a year and an hour ahead after advanceSim, so it
// lists the renewal's charge and refund.
func (s *testStack) sweepOnTheSimulatorsClock() {
	s.recon.sweeper.Lookback = 2 * time.Hour
	s.recon.sweeper.Now = func() time.Time { return time.Now().Add((simYear + 3600 + 60) * time.Second) }
}

// TestRenewalRefundedOpensRefundedActive: a renewal's charge refunded in
// full at the processor leaves the order (the first purchase) fulfilled
// and the access as it was, says so on the order's timeline, and opens a
// refunded_active mismatch at once from the webhook, naming the invoice;
// the sweep then updates it rather than opening a second.
func TestRenewalRefundedOpensRefundedActive(t *testing.T) {
	s := sweepStack(t)
	s.sweepOnTheSimulatorsClock()
	const email = "renewal-refund@example.test"
	o, invoice, charge, until := s.renewedThenRefunded(t, email)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventChargeRefunded)))

	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, o.PublicRef).Status, "the first purchase was not refunded")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'renewal_refunded'`, o.ID))
	require.True(t, until.Equal(s.accessUntil(t, email)), "access is never revoked by itself")
	m := s.onlyMismatch(t, billing.KindRefundedActive)
	require.Equal(t, "open", m.Status)
	require.Equal(t, charge, m.Subject, "the sweep's subject: the charge")
	require.Equal(t, o.ID, *m.OrderID)
	require.Nil(t, m.DetectedByRun, "found by the webhook")
	require.Equal(t, invoice, evidence(t, m)["invoice"]["id"])

	res := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, res.MismatchesOpened)
	require.Equal(t, 1, res.ByKind[billing.KindRefundedActive], "by kind %v", res.ByKind)
	require.NotNil(t, s.onlyMismatch(t, billing.KindRefundedActive).LastSeenRun, "the sweep updated the webhook's mismatch")
}

// TestSweepFindsRefundedRenewal: the same refund with its webhook lost is
// found by the sweep, with the invoice in the evidence, once.
func TestSweepFindsRefundedRenewal(t *testing.T) {
	s := sweepStack(t)
	s.sweepOnTheSimulatorsClock()
	const email = "renewal-refund-swept@example.test"
	o, invoice, charge, until := s.renewedThenRefunded(t, email)

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.MismatchesOpened, "by kind %v", res.ByKind)
	m := s.onlyMismatch(t, billing.KindRefundedActive)
	require.Equal(t, charge, m.Subject)
	require.Equal(t, o.ID, *m.OrderID)
	ev := evidence(t, m)
	require.Equal(t, invoice, ev["invoice"]["id"])
	require.Equal(t, float64(24900), ev["invoice"]["amount"])
	require.True(t, until.Equal(s.accessUntil(t, email)), "access is never revoked by itself")
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, o.PublicRef).Status)

	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.MismatchesOpened)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = $1`, billing.KindRefundedActive))
}

// TestRenewalDisputedNamesTheOrder: a dispute on a renewal's charge opens
// the urgent disputed mismatch tied to the subscription's order, naming
// the invoice; the order's first purchase keeps its status and access is
// kept; the dispute won resolves it.
func TestRenewalDisputedNamesTheOrder(t *testing.T) {
	s := sweepStack(t)
	const email = "renewal-dispute@example.test"
	o, sub := s.boughtYearly(t, email, "4242424242424242")
	s.advanceSim(t, simYear+3600)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaid)))
	var invoice, charge string
	require.NoError(t, s.store.DB().QueryRow(`SELECT id, charge_id FROM invoices
		WHERE subscription_id = $1 AND billing_reason <> 'subscription_create'`, sub).Scan(&invoice, &charge))
	until := s.accessUntil(t, email)
	dp := s.dispute(t, charge)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeCreated)))

	m := s.onlyMismatch(t, billing.KindDisputed)
	require.Equal(t, "open", m.Status)
	require.Equal(t, dp, m.Subject)
	require.NotNil(t, m.OrderID, "tied to the subscription's order")
	require.Equal(t, o.ID, *m.OrderID)
	require.Equal(t, invoice, evidence(t, m)["invoice"]["id"])
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, o.PublicRef).Status)
	require.True(t, until.Equal(s.accessUntil(t, email)))

	s.simPost(t, "/_sim/disputes/"+dp+"/close", `{"status":"won"}`)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventDisputeClosed)))
	require.Equal(t, "resolved", s.onlyMismatch(t, billing.KindDisputed).Status)
}
