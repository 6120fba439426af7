package recon

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// batchSize is how many listed objects go to the database per statement:
// five processor pages. Memory holds one batch, whatever the window.
const batchSize = 500

// pageSize is the processor's page: one list call per 100 objects.
const pageSize = 100

// stager buffers listed objects and writes them to the run's staging in
// batches, counting objects and list calls as it goes.
type stager struct {
	st      *store.Store
	runID   int64
	faults  *fault.Points
	buf     []store.StagedObject
	seen    int
	calls   int
	flushed bool
}

func newStager(st *store.Store, runID int64, faults *fault.Points) *stager {
	return &stager{st: st, runID: runID, faults: faults, buf: make([]store.StagedObject, 0, batchSize)}
}

// stageAll lists the five resources in turn. Any error ends the run: a
// partial listing must not look like a complete one, or the diff would
// auto-resolve what it merely did not see.
func (g *stager) stageAll(ctx context.Context, p Lister, r billing.Range) error {
	lists := []struct {
		name string
		list func() error
	}{
		{"checkout sessions", func() error {
			return p.ListCheckoutSessions(ctx, r, func(s billing.Session) error { return g.add(ctx, fromSession(s)) })
		}},
		{"payment intents", func() error {
			return p.ListPaymentIntents(ctx, r, func(pi billing.Payment) error { return g.add(ctx, fromPayment(pi)) })
		}},
		{"charges", func() error {
			return p.ListCharges(ctx, r, func(c billing.Charge) error { return g.add(ctx, fromCharge(c)) })
		}},
		{"refunds", func() error {
			return p.ListRefunds(ctx, r, func(re billing.Refund) error { return g.add(ctx, fromRefund(re)) })
		}},
		{"disputes", func() error {
			return p.ListDisputes(ctx, r, func(d billing.Dispute) error { return g.add(ctx, fromDispute(d)) })
		}},
	}
	for _, l := range lists {
		before := g.seen
		err := l.list()
		g.calls += listCalls(g.seen-before, err != nil)
		if err != nil {
			return fmt.Errorf("list %s: %w", l.name, err)
		}
		if err := g.flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// listCalls is how many list requests returned n objects: one per full or
// partial page of 100, at least one, and one more when the last failed.
func listCalls(n int, failed bool) int {
	if failed {
		return n/pageSize + 1
	}
	return max(1, (n+pageSize-1)/pageSize)
}

func (g *stager) add(ctx context.Context, o store.StagedObject) error {
	g.buf = append(g.buf, o)
	g.seen++
	if len(g.buf) >= batchSize {
		return g.flush(ctx)
	}
	return nil
}

func (g *stager) flush(ctx context.Context) error {
	if len(g.buf) == 0 {
		return nil
	}
	if err := g.st.StageObjects(ctx, g.runID, g.buf); err != nil {
		return err
	}
	g.buf = g.buf[:0]
	if !g.flushed {
		g.flushed = true
		g.faults.Hit(fault.SweepMidPage)
	}
	return nil
}

func fromSession(s billing.Session) store.StagedObject {
	ref := s.Metadata[billing.MetaOrderID]
	if ref == "" {
		ref = s.ClientReferenceID
	}
	return store.StagedObject{
		Object: "session", ID: s.ID, Status: s.Status, PaymentIntentID: s.PaymentIntentID,
		Amount: s.AmountTotal, Currency: s.Currency, Email: s.CustomerEmail, OrderRef: ref,
		PublicRef: s.Metadata[billing.MetaPublicRef], Plan: s.Metadata[billing.MetaPlan],
		Paid: s.Paid(), Created: s.Created,
	}
}

func fromPayment(p billing.Payment) store.StagedObject {
	email := p.Metadata["email"]
	if email == "" {
		email = p.ReceiptEmail
	}
	return store.StagedObject{
		Object: "payment_intent", ID: p.ID, Status: p.Status, PaymentIntentID: p.ID, ChargeID: p.LatestChargeID,
		Amount: p.Amount, Currency: p.Currency, Email: email, OrderRef: p.Metadata[billing.MetaOrderID],
		PublicRef: p.Metadata[billing.MetaPublicRef], Plan: p.Metadata[billing.MetaPlan],
		Paid: p.Succeeded(), Created: p.Created,
	}
}

func fromCharge(c billing.Charge) store.StagedObject {
	email := c.ReceiptEmail
	if email == "" {
		email = c.BillingEmail
	}
	return store.StagedObject{
		Object: "charge", ID: c.ID, Status: c.Status, PaymentIntentID: c.PaymentIntentID, ChargeID: c.ID,
		Amount: c.Amount, AmountRefunded: c.AmountRefunded, Currency: c.Currency, Email: email,
		Paid: c.Paid, Refunded: c.Refunded, Disputed: c.Disputed, Created: c.Created,
	}
}

func fromRefund(r billing.Refund) store.StagedObject {
	return store.StagedObject{
		Object: "refund", ID: r.ID, Status: r.Status, PaymentIntentID: r.PaymentIntentID, ChargeID: r.ChargeID,
		Amount: r.Amount, Currency: r.Currency, Created: r.Created,
	}
}

func fromDispute(d billing.Dispute) store.StagedObject {
	return store.StagedObject{
		Object: "dispute", ID: d.ID, Status: d.Status, PaymentIntentID: d.PaymentIntentID, ChargeID: d.ChargeID,
		Amount: d.Amount, Currency: d.Currency, Reason: d.Reason, DueBy: d.EvidenceDueBy, Created: d.Created,
	}
}
