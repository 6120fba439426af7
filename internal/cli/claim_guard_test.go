package cli

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// TestClaimHoldsNoTransactionWhileAskingTheProcessor: with the processor
// answering in 400 ms, no connection of ours sits idle in a transaction for
// 150 ms while the claim waits for it, so a slow processor never holds a
// row lock or a pooled connection. (The claim's own short transactions,
// before and after the call, idle for a moment between statements.)
func TestClaimHoldsNoTransactionWhileAskingTheProcessor(t *testing.T) {
	s := newTestStack(t)
	s.orphanPaid(t, 24900, payer{receipt: "ana@example.test"})
	s.simPost(t, "/_sim/faults", `{"api_latency_ms": 400}`)
	var inTx, samples atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			var n int64
			err := s.store.DB().Get(&n, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'
					AND state_change < now() - interval '150 milliseconds'`)
			if err == nil {
				samples.Add(1)
				inTx.Add(n)
			}
		}
	}()
	resp, body := s.do(t, claimForm{email: "ana@example.test", amount: "249", date: today()}.request(false))
	close(stop)
	<-done
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, billing.ClaimServed, outcomeOf(t, body))
	require.Greater(t, samples.Load(), int64(20), "sampled while the processor was slow")
	require.Zero(t, inTx.Load(), "a transaction was open while the processor was asked")
}

// TestSweepNeverClosesAClaimReview: a claim_review is a person's word, not
// something the diff shows, so the sweep that heals the payment for its own
// payer leaves the claimant's case open for staff.
func TestSweepNeverClosesAClaimReview(t *testing.T) {
	s := sweepStack(t)
	p, _ := s.orphanPaid(t, 24900, payer{receipt: "payer@example.test", last4: "1881"})
	_, body := s.do(t, claimForm{email: "claimant@example.test", amount: "249", date: today(), last4: "1881"}.request(false))
	require.Equal(t, billing.ClaimReview, outcomeOf(t, body))

	res := s.sweep(t, recon.SweepOptions{})
	require.Equal(t, 1, res.Healed, "the payer is served by the sweep")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND email = 'payer@example.test'`, p.PaymentIntent))
	m := s.onlyMismatch(t, billing.KindClaimReview)
	require.Equal(t, "open", m.Status, "the claimant's case waits for a person")
}

// TestClaimNeverShowsAnAddressNotTyped: a payment made through our checkout
// as one address and paid with a card that gave another is claimed with
// the card's address. It serves the order (the checkout's address gets the
// access email, as it should), and the page says the email went to "the
// address on the payment" without naming an address the customer did not
// type.
func TestClaimNeverShowsAnAddressNotTyped(t *testing.T) {
	s := newTestStack(t)
	order, session, _ := s.checkout(t, "first@example.test", false)
	s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242","email":"card.holder@example.test"}`)
	_, body := s.do(t, claimForm{email: "card.holder@example.test", amount: "249", date: today()}.request(false))
	require.Equal(t, billing.ClaimServed, outcomeOf(t, body))
	served := s.orderByRef(t, order.PublicRef)
	require.Equal(t, string(billing.ViaClaim), served.FulfilledVia, "the checkout's own order, served")
	require.Len(t, s.emailMessages(t, "first@example.test", "delayed_fulfillment"), 1)
	require.NotContains(t, body, "first@example.test")
	require.Contains(t, body, "We emailed how to sign in to the email address on the payment.")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders`), "no second order for the payment")
}
