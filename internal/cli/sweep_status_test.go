package cli

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// setStatus gives an order a status as an event handler that trusted a
// payload would have, with the timeline row it would write.
func (s *testStack) setStatus(t *testing.T, orderID int64, status string) {
	t.Helper()
	_, err := s.store.DB().Exec(`UPDATE orders SET status = $2, updated_at = now() WHERE id = $1`, orderID, status)
	require.NoError(t, err)
	_, err = s.store.DB().Exec(`INSERT INTO order_events (order_id, kind, detail) VALUES ($1, $2, '{"via": "test"}')`, orderID, status)
	require.NoError(t, err)
}

// statusDiffers returns the words of the open status_mismatch of a payment.
func (s *testStack) statusDiffers(t *testing.T, paymentIntent string) (differs string, urgent bool) {
	t.Helper()
	require.NoError(t, s.store.DB().QueryRow(`SELECT evidence->>'differs', urgent FROM mismatches
		WHERE kind = $1 AND subject = $2 AND status = 'open'`, billing.KindStatusMismatch, paymentIntent).Scan(&differs, &urgent))
	return differs, urgent
}

// TestSweepComparesStatuses gives orders statuses the processor does not
// confirm, as events whose payload disagreed with it would: the sweep
// queues each with words that say what differs, or, for an order marked
// expired whose payment went through, serves it through Fulfill. Access is
// never taken away, and once the processor agrees the mismatch resolves.
func TestSweepComparesStatuses(t *testing.T) {
	s := sweepStack(t)
	notDisputed, pd := s.served(t, "notdisputed@example.test")
	s.setStatus(t, notDisputed.ID, billing.StatusDisputed)
	notRefunded, pr := s.served(t, "notrefunded@example.test")
	s.simPost(t, "/_sim/charges/"+pr.Charge+"/refund", `{"amount": 100}`)
	s.setStatus(t, notRefunded.ID, billing.StatusRefunded)
	unserved, _, pu := s.checkout(t, "unserved@example.test", true)
	s.setStatus(t, unserved.ID, billing.StatusRefunded)
	notExpired, _, _ := s.checkout(t, "notexpired@example.test", true)
	s.setStatus(t, notExpired.ID, billing.StatusExpired)
	grants := s.count(t, `SELECT count(*) FROM entitlement_grants`)

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, map[string]int{billing.KindStatusMismatch: 3, billing.KindStuckPending: 1}, res.ByKind)
	require.Equal(t, 1, res.Healed, "the order marked expired whose payment went through")
	require.Equal(t, 3, res.MismatchesOpened)

	differs, urgent := s.statusDiffers(t, pd.PaymentIntent)
	require.Equal(t, "we mark order "+notDisputed.PublicRef+" disputed; the processor says charge "+pd.Charge+
		" is not disputed (charge.disputed is false and no dispute is listed)", differs)
	require.False(t, urgent, "served: access stays as it is")
	differs, _ = s.statusDiffers(t, pr.PaymentIntent)
	require.Equal(t, "we mark order "+notRefunded.PublicRef+" refunded; the processor says charge "+pr.Charge+
		" is not refunded (100 of 24900 usd refunded)", differs)
	differs, urgent = s.statusDiffers(t, pu.PaymentIntent)
	require.Contains(t, differs, "we mark order "+unserved.PublicRef+" refunded; the processor says charge "+pu.Charge+" is not refunded")
	require.Contains(t, differs, "never served: the customer paid and has no access")
	require.True(t, urgent)

	served := s.orderByRef(t, notExpired.PublicRef)
	require.Equal(t, billing.StatusFulfilled, served.Status)
	require.Equal(t, string(billing.ViaSweep), served.FulfilledVia)
	require.Equal(t, []string{"delayed_fulfillment"}, s.emailsTo(t, "notexpired@example.test"))
	require.Equal(t, grants+1, s.count(t, `SELECT count(*) FROM entitlement_grants`), "nothing taken away, one period added")
	require.Equal(t, billing.StatusDisputed, s.orderByRef(t, notDisputed.PublicRef).Status, "the sweep does not rewrite a status")

	s.simPost(t, "/_sim/charges/"+pd.Charge+"/dispute", `{}`)
	next := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, next.MismatchesResolved, "the processor now confirms the dispute")
	require.Equal(t, 1, next.MismatchesOpened, "and the dispute itself is queued")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'disputed' AND status = 'open'`))
}
