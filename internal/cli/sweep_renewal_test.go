package cli

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// restoreFromBeforeRenewal puts the database back as a backup taken
// before the renewal left it: the renewal's invoice, grant, receipt and
// timeline row gone, access back to the first period's end.
func (s *testStack) restoreFromBeforeRenewal(t *testing.T, sub string, firstEnd time.Time) {
	t.Helper()
	for _, q := range []string{
		`DELETE FROM invoice_grants WHERE subscription_id = $1 AND invoice_id IN
			(SELECT id FROM invoices WHERE subscription_id = $1 AND billing_reason <> 'subscription_create')`,
		`DELETE FROM invoices WHERE subscription_id = $1 AND billing_reason <> 'subscription_create'`,
		`DELETE FROM email_messages WHERE template = 'renewal_receipt'`,
		`DELETE FROM order_events WHERE kind = 'renewed'`,
	} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = append(args, sub)
		}
		_, err := s.store.DB().Exec(q, args...)
		require.NoError(t, err, q)
	}
	_, err := s.store.DB().Exec(`UPDATE entitlements SET valid_until = $1`, firstEnd)
	require.NoError(t, err)
}

// TestSweepHealsRenewalLostToRestore: the renewal was granted by its
// webhook, then the database was restored from before it. A dry run
// changes nothing; one sweep grants the period once, to the processor's
// period end, with one renewal_receipt, and counts it healed; a second
// sweep changes nothing.
func TestSweepHealsRenewalLostToRestore(t *testing.T) {
	s := sweepStack(t)
	order, sub := s.boughtYearly(t, "restored-renewal@example.test", "4242424242424242")
	firstEnd := s.accessUntil(t, "restored-renewal@example.test")
	require.EqualValues(t, 1, s.advanceSim(t, simYear+3600)["renewed"])
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaid)))
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	s.restoreFromBeforeRenewal(t, sub, firstEnd)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))

	dry := s.sweep(t, recon.SweepOptions{DryRun: true})
	require.Equal(t, 1, dry.Healed, "a dry run says what a real run would heal")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.True(t, firstEnd.Equal(s.accessUntil(t, "restored-renewal@example.test")), "a dry run changes nothing")

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.Healed)
	require.Equal(t, 1, res.ByKind[billing.KindUnservedRenewal])
	require.Zero(t, res.MismatchesOpened)
	periodEnd := time.Unix(int64(s.simSubscription(t, sub)["current_period_end"].(float64)), 0)
	require.True(t, periodEnd.Equal(s.accessUntil(t, "restored-renewal@example.test")), "access runs to the new period's end")
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1 AND granted_via = 'sweep'`, sub))
	require.Len(t, s.emailMessages(t, "restored-renewal@example.test", "renewal_receipt"), 1)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'renewed'`, order.ID))

	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.Healed)
	require.Empty(t, again.ByKind)
	require.Zero(t, again.MismatchesOpened)
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Len(t, s.emailMessages(t, "restored-renewal@example.test", "renewal_receipt"), 1)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'renewed'`, order.ID))
	require.Empty(t, s.mismatches(t, "open"))
}

// TestSweepQueuesRenewalOfNoOrder: a paid renewal whose subscription names
// no order of ours (the order lost too, say) is not served blindly: it
// opens one unserved_renewal for a person, and a second sweep opens no
// other.
func TestSweepQueuesRenewalOfNoOrder(t *testing.T) {
	s := sweepStack(t)
	_, sub := s.boughtYearly(t, "stranger-renewal@example.test", "4242424242424242")
	s.advanceSim(t, simYear+3600)
	for _, q := range []string{`DELETE FROM invoice_grants`, `DELETE FROM invoices`, `DELETE FROM subscriptions`,
		`DELETE FROM email_messages`, `DELETE FROM order_events`, `DELETE FROM entitlement_grants`,
		`DELETE FROM entitlements`, `DELETE FROM orders`, `DELETE FROM accounts`} {
		_, err := s.store.DB().Exec(q)
		require.NoError(t, err, q)
	}
	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.ByKind[billing.KindUnservedRenewal], "by kind %v", res.ByKind)
	var subjects []string
	require.NoError(t, s.store.DB().Select(&subjects, `SELECT subject FROM mismatches WHERE kind = $1 AND status = 'open'`, billing.KindUnservedRenewal))
	require.Len(t, subjects, 1)
	require.Zero(t, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))

	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.MismatchesOpened)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = $1`, billing.KindUnservedRenewal))
}

// TestSweepQueuesLapsedUnpaidAccess: the processor ended the subscription;
// access that stops at the paid period's end is what we owe and raises
// nothing, but access running past it beyond RENEWAL_GRACE opens one
// lapsed_unpaid for a person (access is not cut behind their back), seen
// again, not reopened, by the next sweep.
func TestSweepQueuesLapsedUnpaidAccess(t *testing.T) {
	s := sweepStack(t)
	_, sub := s.boughtYearly(t, "lapsed@example.test", "4242424242424242")
	s.simPost(t, "/_sim/subscriptions/"+sub+"/cancel", `{}`)
	require.Equal(t, "canceled", s.simSubscription(t, sub)["status"])

	res := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, res.ByKind[billing.KindLapsedUnpaid], "access to the paid period's end is owed")

	extend := func(by time.Duration) {
		t.Helper()
		_, err := s.store.DB().Exec(`UPDATE entitlements SET valid_until = valid_until + make_interval(secs => $1)`, by.Seconds())
		require.NoError(t, err)
	}
	extend(billing.DefaultRenewalGrace - time.Hour)
	res = s.sweep(t, recon.SweepOptions{})
	require.Zero(t, res.ByKind[billing.KindLapsedUnpaid], "within RENEWAL_GRACE of the paid period")

	extend(2 * time.Hour)
	res = s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.ByKind[billing.KindLapsedUnpaid], "by kind %v", res.ByKind)
	require.Equal(t, 1, res.MismatchesOpened)
	var subject string
	require.NoError(t, s.store.DB().Get(&subject, `SELECT subject FROM mismatches WHERE kind = $1 AND status = 'open'`, billing.KindLapsedUnpaid))
	require.Equal(t, "subscription:"+sub, subject)

	again := s.sweep(t, recon.SweepOptions{})
	require.Zero(t, again.MismatchesOpened)
	require.Equal(t, 1, again.MismatchesUpdated)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = $1`, billing.KindLapsedUnpaid))
}
