package recon

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// pairWindow is how many payment intents (or charges) may wait for their
// other half before the oldest are staged alone: a payment intent and its
// charge are created moments apart, and both lists run newest first at
// about the same pace, so a pair nearly always meets within a page or two.
// Ten pages bound what waits, whatever the window.
const pairWindow = 10 * pageSize

// page is one page of one list, on its way from the goroutine listing it
// to the stager: the objects not repeated, how many were listed, when the
// oldest of them was created, and, on the last page (done), the error that
// ended the list, if any.
type page struct {
	objs   []store.StagedObject
	seen   int
	oldest time.Time
	done   bool
	err    error
}

// sideList is one of the two lists listPayments runs: its pages, how far
// back in time it has come, and how many objects it listed.
type sideList struct {
	name   string
	pages  chan page
	spare  chan []store.StagedObject // pages' objects read, emptied, to fill again
	oldest time.Time
	seen   int
	done   bool
}

func newSideList(name string) *sideList {
	return &sideList{name: name, pages: make(chan page), spare: make(chan []store.StagedObject, 2)}
}

// listPayments lists payment intents and charges side by side, one
// goroutine each, and stages each payment intent and its latest charge as
// one row: half the rows, and no join between them in the diff. Both
// lists run newest first and the stager always takes its next page from
// the one that is further behind in time, so the two halves of a pair
// arrive close together; an object whose other half did not come within
// pairWindow is staged alone, which the diff reads too. Either list
// failing stops both.
func (g *stager) listPayments(ctx context.Context, p Lister, r billing.Range) error {
	g.phase = "listing payment intents and charges"
	g.progress()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	intents, charges := newSideList("payment intents"), newSideList("charges")
	go intents.list(ctx, func(f *pageFiller) error {
		return p.ListPaymentIntents(ctx, r, func(pi billing.Payment) error {
			if renewalPayment(pi) {
				// Reconciled as its invoice (unserved_renewal), never as a
				// payment of its own: with no order metadata it would look
				// like an orphan and be served a second time.
				return f.skip()
			}
			return f.add(fromPayment(pi))
		})
	})
	go charges.list(ctx, func(f *pageFiller) error {
		return p.ListCharges(ctx, r, func(c billing.Charge) error { return f.add(fromCharge(c)) })
	})
	pr := newPairer()
	var firstErr error
	for !intents.done || !charges.done {
		l := behind(intents, charges)
		pg := <-l.pages
		l.seen += pg.seen
		if !pg.oldest.IsZero() {
			l.oldest = pg.oldest
		}
		if pg.done {
			l.done = true
			g.calls += listCalls(l.seen, pg.err != nil)
			if pg.err != nil && firstErr == nil {
				firstErr = fmt.Errorf("list %s: %w", l.name, pg.err)
				cancel()
			}
		}
		if firstErr != nil {
			continue // read both lists until they stop
		}
		for _, o := range pg.objs {
			if err := pr.add(o, g.stage); err != nil {
				firstErr = err
				cancel()
				break
			}
		}
		l.recycle(pg.objs)
	}
	g.seen += intents.seen + charges.seen
	if firstErr != nil {
		return firstErr
	}
	return pr.drain(g.stage)
}

// behind is the list still open that has come less far back in time: one
// not started yet, else the one whose oldest object is newer.
func behind(a, b *sideList) *sideList {
	switch {
	case a.done:
		return b
	case b.done:
		return a
	case a.oldest.IsZero() || (!b.oldest.IsZero() && !b.oldest.After(a.oldest)):
		return a
	}
	return b
}

// list runs one list, sending what it lists a page at a time and dropping
// an object a page boundary repeats; the last page sent is done. Pages'
// slices come back through spare, so a million objects are not a million
// allocations.
func (l *sideList) list(ctx context.Context, list func(f *pageFiller) error) {
	f := &pageFiller{ctx: ctx, side: l, recent: newRecentIDs()}
	f.pg.objs = l.emptyPage()
	err := list(f)
	if err == nil {
		err = ctx.Err()
	}
	f.pg.done, f.pg.err = true, err
	l.pages <- f.pg // the stager reads each list until it is done
}

// emptyPage is a page's slice to fill: one the stager is done with, else a
// new one.
func (l *sideList) emptyPage() []store.StagedObject {
	select {
	case objs := <-l.spare:
		return objs
	default:
		return make([]store.StagedObject, 0, pageSize)
	}
}

// recycle hands back a page's slice once its objects are copied out,
// emptied so that it holds no listed strings.
func (l *sideList) recycle(objs []store.StagedObject) {
	clear(objs)
	select {
	case l.spare <- objs[:0]:
	default:
	}
}

// pageFiller is what a list run by sideList.list adds its objects to.
type pageFiller struct {
	ctx    context.Context
	side   *sideList
	recent recentIDs
	pg     page
}

// add puts o on the page unless a page boundary repeated it. o is passed
// by value, as a pointer would move every object to the heap.
func (f *pageFiller) add(o store.StagedObject) error {
	f.pg.oldest = o.Created
	if !f.recent.repeated(o.ID) {
		f.pg.objs = append(f.pg.objs, o)
	}
	return f.count()
}

// skip counts an object the list saw but leaves out of the staging: it
// counts toward the page (and the calls), nothing more.
func (f *pageFiller) skip() error { return f.count() }

// count counts one object listed and sends the page once it is full.
func (f *pageFiller) count() error {
	f.pg.seen++
	if f.pg.seen < pageSize {
		return nil
	}
	select {
	case f.side.pages <- f.pg:
		f.pg = page{objs: f.side.emptyPage()}
		return nil
	case <-f.ctx.Done():
		return f.ctx.Err()
	}
}

// pairer holds payment intents waiting for their charge (by the charge's
// id) and charges waiting for their payment intent, in two generations
// each: when the newer fills up, what is still in the older is staged
// alone. It holds at most 2×pairWindow of each.
type pairer struct{ intents, charges generations }

// generations keep what waits in a slab, the maps holding slots: a map's
// values this large would be allocated one by one.
type generations struct {
	cur, prev map[string]int32
	slab      []store.StagedObject
	free      []int32
}

func newPairer() *pairer {
	gen := func() generations { return generations{cur: map[string]int32{}, prev: map[string]int32{}} }
	return &pairer{intents: gen(), charges: gen()}
}

// add stages o merged with its other half when that is waiting, else
// keeps it waiting; stage takes each row to write.
func (p *pairer) add(o store.StagedObject, stage func(store.StagedObject) error) error {
	if o.Object == "charge" {
		if pi, ok := p.intents.take(o.ID); ok {
			return stage(merged(pi, o))
		}
		return p.charges.put(o.ID, o, stage)
	}
	if o.ChargeID == "" {
		return stage(o) // no charge yet: nothing to wait for
	}
	if ch, ok := p.charges.take(o.ChargeID); ok && ch.PaymentIntentID == o.ID {
		return stage(merged(o, ch))
	} else if ok {
		if err := stage(ch); err != nil { // a charge naming another intent stays its own row
			return err
		}
	}
	return p.intents.put(o.ChargeID, o, stage)
}

// merged is pi carrying its charge.
func merged(pi, ch store.StagedObject) store.StagedObject {
	pi.Charge = &store.StagedCharge{Status: ch.Status, Email: ch.Email, AmountRefunded: ch.AmountRefunded,
		Refunded: ch.Refunded, Disputed: ch.Disputed, Created: ch.Created}
	return pi
}

// drain stages everything still waiting, alone.
func (p *pairer) drain(stage func(store.StagedObject) error) error {
	for _, g := range [...]*generations{&p.intents, &p.charges} {
		for _, m := range [...]map[string]int32{g.prev, g.cur} {
			if err := g.stageAll(m, stage); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generations) take(key string) (store.StagedObject, bool) {
	for _, m := range [...]map[string]int32{g.cur, g.prev} {
		if slot, ok := m[key]; ok {
			delete(m, key)
			return g.release(slot), true
		}
	}
	return store.StagedObject{}, false
}

func (g *generations) put(key string, o store.StagedObject, stage func(store.StagedObject) error) error {
	if same, ok := g.take(key); ok { // never two waiting under one key
		if err := stage(same); err != nil {
			return err
		}
	}
	if len(g.cur) >= pairWindow {
		if err := g.stageAll(g.prev, stage); err != nil {
			return err
		}
		g.prev, g.cur = g.cur, g.prev
	}
	g.cur[key] = g.hold(o)
	return nil
}

// stageAll stages alone everything waiting in m, and empties it.
func (g *generations) stageAll(m map[string]int32, stage func(store.StagedObject) error) error {
	for _, slot := range m {
		if err := stage(g.release(slot)); err != nil {
			return err
		}
	}
	clear(m)
	return nil
}

// hold keeps o in a free slot of the slab and returns the slot.
func (g *generations) hold(o store.StagedObject) int32 {
	if n := len(g.free); n > 0 {
		slot := g.free[n-1]
		g.free = g.free[:n-1]
		g.slab[slot] = o
		return slot
	}
	g.slab = append(g.slab, o)
	return int32(len(g.slab) - 1)
}

// release takes what slot holds out of the slab and frees the slot.
func (g *generations) release(slot int32) store.StagedObject {
	o := g.slab[slot]
	g.slab[slot] = store.StagedObject{}
	g.free = append(g.free, slot)
	return o
}
