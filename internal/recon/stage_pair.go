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
	oldest time.Time
	seen   int
	done   bool
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
	intents := &sideList{name: "payment intents", pages: make(chan page)}
	charges := &sideList{name: "charges", pages: make(chan page)}
	go listPages(ctx, intents.pages, func(add func(*store.StagedObject) error) error {
		return p.ListPaymentIntents(ctx, r, func(pi billing.Payment) error {
			if renewalPayment(pi) {
				// Reconciled as its invoice (unserved_renewal), never as a
				// payment of its own: with no order metadata it would look
				// like an orphan and be served a second time.
				return add(nil)
			}
			o := fromPayment(pi)
			return add(&o)
		})
	})
	go listPages(ctx, charges.pages, func(add func(*store.StagedObject) error) error {
		return p.ListCharges(ctx, r, func(c billing.Charge) error { o := fromCharge(c); return add(&o) })
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

// listPages runs one list, sending what it lists a page at a time and
// dropping an object a page boundary repeats; the last page sent is done.
// A nil object is one the list saw but leaves out of the staging: it
// counts toward the page (and the calls), nothing more.
func listPages(ctx context.Context, out chan<- page, list func(add func(*store.StagedObject) error) error) {
	recent := recentIDs{cur: map[string]bool{}, prev: map[string]bool{}}
	pg := page{objs: make([]store.StagedObject, 0, pageSize)}
	err := list(func(o *store.StagedObject) error {
		pg.seen++
		if o != nil {
			pg.oldest = o.Created
			if !recent.repeated(o.ID) {
				pg.objs = append(pg.objs, *o)
			}
		}
		if pg.seen < pageSize {
			return nil
		}
		select {
		case out <- pg:
			pg = page{objs: make([]store.StagedObject, 0, pageSize)}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err == nil {
		err = ctx.Err()
	}
	pg.done, pg.err = true, err
	out <- pg // the stager reads each list until it is done
}

// pairer holds payment intents waiting for their charge (by the charge's
// id) and charges waiting for their payment intent, in two generations
// each: when the newer fills up, what is still in the older is staged
// alone. It holds at most 2×pairWindow of each.
type pairer struct{ intents, charges generations }

type generations struct{ cur, prev map[string]store.StagedObject }

func newPairer() *pairer {
	gen := func() generations {
		return generations{cur: map[string]store.StagedObject{}, prev: map[string]store.StagedObject{}}
	}
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
	for _, g := range []*generations{&p.intents, &p.charges} {
		for _, m := range []map[string]store.StagedObject{g.prev, g.cur} {
			for _, o := range m {
				if err := stage(o); err != nil {
					return err
				}
			}
			clear(m)
		}
	}
	return nil
}

func (g *generations) take(key string) (store.StagedObject, bool) {
	for _, m := range []map[string]store.StagedObject{g.cur, g.prev} {
		if o, ok := m[key]; ok {
			delete(m, key)
			return o, true
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
		for _, old := range g.prev {
			if err := stage(old); err != nil {
				return err
			}
		}
		clear(g.prev)
		g.prev, g.cur = g.cur, g.prev
	}
	g.cur[key] = o
	return nil
}
