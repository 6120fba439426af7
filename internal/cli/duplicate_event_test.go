package cli

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// A customer who paid twice outside our checkout (two orphan payments of
// one email and plan, a minute apart) is served once on the event path
// too, not only by the sweep: the second payment's own event opens the
// duplicate_payment mismatch, the sweep after it changes nothing, and
// neither do events handled at the same moment.
func TestTwoOrphanPaymentsServeOneEventPath(t *testing.T) {
	for _, together := range []bool{false, true} {
		name := map[bool]string{false: "one after the other", true: "at the same moment"}[together]
		t.Run(name, func(t *testing.T) {
			s := sweepStack(t)
			email := "twice-" + randHex(4) + "@example.test"
			meta := map[string]string{"email": email, billing.MetaPlan: demoPlan.Code}
			first := s.orphan(t, email, demoPlan.Amount, meta)
			firstEvent := s.event(t, billing.EventPaymentSucceeded)
			s.minuteLater(t)
			second := s.orphan(t, email, demoPlan.Amount, meta)
			secondEvent := s.event(t, billing.EventPaymentSucceeded)

			deliver := func(body []byte) {
				resp, err := s.app.Test(signed(body, testSecret, timeNow()), -1)
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, resp.StatusCode)
			}
			if together {
				var wg sync.WaitGroup
				for _, body := range [][]byte{firstEvent, secondEvent} {
					wg.Add(1)
					go func() { defer wg.Done(); deliver(body) }()
				}
				wg.Wait()
			} else {
				deliver(firstEvent)
				deliver(secondEvent)
			}

			require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE lower(email) = $1 AND status = 'fulfilled'`, email),
				"one order served for two payments nobody's checkout asked for")
			require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants g JOIN orders o ON o.id = g.order_id
				WHERE lower(o.email) = $1`, email), "one period")
			require.Len(t, s.emailsTo(t, email), 1, "one email")
			dups := s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'duplicate_payment' AND status = 'open'
				AND payment_intent_id = ANY(ARRAY[$1, $2])`, first.PaymentIntent, second.PaymentIntent)
			require.Equal(t, 1, dups, "the other payment is a duplicate for a person, at once")

			state := s.worldState(t)
			res := s.sweep(t, recon.SweepOptions{})
			require.Zero(t, res.Healed, "the sweep heals nothing more")
			require.Zero(t, res.MismatchesOpened, "the sweep opens nothing new")
			require.Equal(t, state, s.worldState(t), "the sweep after the events changes nothing")
			again := s.sweep(t, recon.SweepOptions{})
			require.Zero(t, again.Healed+again.MismatchesOpened+again.MismatchesResolved)
		})
	}
}
