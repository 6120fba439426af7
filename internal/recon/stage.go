package recon

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// batchSize is how many listed objects go to the database per COPY:
// twenty-five processor pages. Memory holds copiers+1 batches, whatever
// the window: the one being listed and those being written. Batches of
// 5000 staged a million payments no faster and held twice the memory.
const batchSize = 2500

// pageSize is the processor's page: one list call per 100 objects.
const pageSize = 100

// stager buffers listed objects and hands them to its writer in batches,
// counting objects and list calls as it goes.
type stager struct {
	st     *store.Store
	runID  int64
	faults *fault.Points
	w      *writer
	phase  string
	buf    []store.StagedObject
	recent recentIDs
	seen   int
	calls  int
	// report, when set, is told what is being listed and the counts so
	// far: at the start of each resource and at each batch.
	report func(phase string, calls, seen int)
}

func newStager(st *store.Store, runID int64, faults *fault.Points) *stager {
	return &stager{st: st, runID: runID, faults: faults, buf: make([]store.StagedObject, 0, batchSize),
		recent: newRecentIDs()}
}

// recentIDs remembers the ids of the last two pages listed. The processor's
// cursor pagination lists each object once; should a page boundary move
// under a concurrent write and repeat an object of the page before, the
// repeat is dropped here, since the staging keeps no key.
type recentIDs struct{ cur, prev map[string]bool }

func newRecentIDs() recentIDs { return recentIDs{cur: map[string]bool{}, prev: map[string]bool{}} }

// repeated reports whether id was listed in the last two pages, and
// remembers it.
func (r *recentIDs) repeated(id string) bool {
	if r.cur[id] || r.prev[id] {
		return true
	}
	if len(r.cur) == pageSize {
		clear(r.prev)
		r.prev, r.cur = r.cur, r.prev
	}
	r.cur[id] = true
	return false
}

// stageAll lists the five resources while its writer copies what was
// listed into staging: checkout sessions, then payment intents and charges
// side by side (listPayments), then refunds and disputes. Any error ends
// the run: a partial listing must not look like a complete one, or the
// diff would auto-resolve what it merely did not see.
func (g *stager) stageAll(ctx context.Context, p Lister, r billing.Range) error {
	g.w = startWriter(ctx, g.st, g.runID, g.faults)
	err := g.listAll(ctx, p, r)
	if werr := g.w.stop(); werr != nil {
		return werr // what stopped the listing, if it stopped
	}
	return err
}

// StageWindow lists every checkout session, payment intent, charge, refund
// and dispute created in r into staging under runID, as the sweep does (one
// list call per 100 objects), and returns the calls made and the objects
// seen. Incident mode lists its window through it.
func StageWindow(ctx context.Context, st *store.Store, p Lister, r billing.Range, runID int64) (calls, seen int, err error) {
	g := newStager(st, runID, nil)
	err = g.stageAll(ctx, p, r)
	return g.calls, g.seen, err
}

func (g *stager) listAll(ctx context.Context, p Lister, r billing.Range) error {
	steps := []func() error{
		g.listOne("checkout sessions", func() error {
			return p.ListCheckoutSessions(ctx, r, func(s billing.Session) error { return g.add(fromSession(s)) })
		}),
		func() error { return g.listPayments(ctx, p, r) },
		g.listOne("refunds", func() error {
			return p.ListRefunds(ctx, r, func(re billing.Refund) error { return g.add(fromRefund(re)) })
		}),
		g.listOne("disputes", func() error {
			return p.ListDisputes(ctx, r, func(d billing.Dispute) error { return g.add(fromDispute(d)) })
		}),
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
		if err := g.flush(); err != nil {
			return err
		}
	}
	return nil
}

// listOne is a step listing one resource through add, counting its list
// calls and naming it in its error.
func (g *stager) listOne(name string, list func() error) func() error {
	return func() error {
		before := g.seen
		g.phase = "listing " + name
		g.progress()
		err := list()
		g.calls += listCalls(g.seen-before, err != nil)
		if err != nil {
			return fmt.Errorf("list %s: %w", name, err)
		}
		return nil
	}
}

// listCalls is how many list requests returned n objects: one per full or
// partial page of 100, at least one, and one more when the last failed.
func listCalls(n int, failed bool) int {
	if failed {
		return n/pageSize + 1
	}
	return max(1, (n+pageSize-1)/pageSize)
}

// add stages o, counting it, unless a page boundary repeated it.
func (g *stager) add(o store.StagedObject) error {
	g.seen++
	if g.recent.repeated(o.ID) {
		return nil
	}
	return g.stage(o)
}

// stage buffers o for the writer.
func (g *stager) stage(o store.StagedObject) error {
	g.buf = append(g.buf, o)
	if len(g.buf) >= batchSize {
		return g.flush()
	}
	return nil
}

// flush hands the batch to the writer and takes an empty one back.
func (g *stager) flush() error {
	if len(g.buf) == 0 {
		return nil
	}
	var err error
	g.buf, err = g.w.write(g.buf)
	g.progress()
	return err
}

// progress reports the phase with the calls so far: the finished
// resources' count plus the pages of the one being listed.
func (g *stager) progress() {
	if g.report != nil {
		g.report(g.phase, g.calls, g.seen)
	}
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

// renewalPayment reports whether pi pays a subscription invoice other than
// the first (which is the purchase, linked to its order by its session).
func renewalPayment(pi billing.Payment) bool {
	return pi.InvoiceID != "" && pi.InvoiceReason != "subscription_create"
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
