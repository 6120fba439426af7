package cli

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/jobs"
)

// gate holds back the processor's answer to the first n charge reads
// until all n have arrived, so n clicks that passed the early checks reach
// the database at the same moment. Without it the shared rate budget
// spaces the processor calls out and the transactions never overlap.
type gate struct {
	resolve.Processor
	n       int32
	arrived atomic.Int32
	open    chan struct{}
}

func newGate(p resolve.Processor, n int) *gate {
	return &gate{Processor: p, n: int32(n), open: make(chan struct{})}
}

func (g *gate) GetCharge(ctx context.Context, id string) (billing.Charge, error) {
	ch, err := g.Processor.GetCharge(ctx, id)
	if k := g.arrived.Add(1); k <= g.n {
		if k == g.n {
			close(g.open)
		}
		select {
		case <-g.open:
		case <-time.After(20 * time.Second):
		}
	}
	return ch, err
}

// resolveWith is the stack's resolve service over another processor.
func (s *testStack) resolveWith(p resolve.Processor) *resolve.Service {
	outbox := mail.NewOutbox(s.store, jobs.NewEnqueuer(s.jobs), "shop.test")
	return resolve.New(resolve.Deps{
		Store:     resolveStore{billingStore{s.store, outbox, s.cfg.SupportEmail}},
		Processor: p, Billing: s.billing, BaseURL: s.cfg.BaseURL,
	})
}

// race runs n calls of act at the same moment, alternating Alice and Bob,
// and returns who won and every other error.
func race(t *testing.T, n int, act func(who staff.User) (resolve.Result, error)) (winner staff.User, losers []error) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	wins := 0
	for i := range n {
		who := []staff.User{alice, bob}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := act(who)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
				winner = who
			} else {
				losers = append(losers, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	require.Equal(t, 1, wins, "exactly one click wins: %v", losers)
	return winner, losers
}

// TestResolveConcurrentProvisionGivesOneEffect: ten clicks on Verify &
// provision from the same page, by both people, reaching the database at
// the same moment once the processor has answered each: one
// fulfilment, one email, one audit row, and each other click is told who
// provisioned it.
func TestResolveConcurrentProvisionGivesOneEffect(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	s.orphan(t, "", 24900, nil)
	s.sweep(t, recon.SweepOptions{})
	m := s.openMismatch(t, billing.KindIdentityUnknown)
	_, err := s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "race@example.test"})
	require.NoError(t, err)
	page := s.mismatchState(t, m.ID)

	svc := s.resolveWith(newGate(s.proc, 10))
	winner, losers := race(t, 10, func(who staff.User) (resolve.Result, error) {
		return svc.VerifyAndProvision(ctx, as(who, page))
	})
	for _, err := range losers {
		requireKind(t, err, apperr.Conflict, displayNameOf(winner)+" already provisioned this at ")
	}
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE status = 'fulfilled' AND fulfilled_via = 'staff'`))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants`))
	require.Equal(t, []string{"support_resolution"}, s.emailsTo(t, "race@example.test"))
	require.Equal(t, 1, s.audits(t, "verify_provision", m))
	require.Equal(t, winner.Email, s.mismatchState(t, m.ID).ResolvedBy)
}

// TestResolveConcurrentRefundGivesOneRefund: ten clicks on Refund at once
// give one refund at the processor, one email and one audit row.
func TestResolveConcurrentRefundGivesOneRefund(t *testing.T) {
	s := sweepStack(t)
	ctx := context.Background()
	_, _, extra, m := s.duplicate(t, "clicks@example.test")

	svc := s.resolveWith(newGate(s.proc, 10))
	winner, losers := race(t, 10, func(who staff.User) (resolve.Result, error) {
		return svc.Refund(ctx, resolve.RefundRequest{Request: as(who, m), Reason: resolve.ReasonDuplicate})
	})
	for _, err := range losers {
		require.Equal(t, apperr.Conflict, apperr.KindOf(err), "%v", err)
		require.Contains(t, apperr.SafeMessage(err, ""), displayNameOf(winner))
	}
	require.Len(t, s.refundsOf(t, extra.PaymentIntent), 1)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'refund_issued'`))
	require.Equal(t, 1, s.audits(t, "refund_requested", m))
	require.Equal(t, 1, s.audits(t, "refund", m))
}

func displayNameOf(u staff.User) string {
	if u.Email == alice.Email {
		return "Alice"
	}
	return "Bob"
}
