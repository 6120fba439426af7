package recon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// TestPairerMergesEachChargeIntoItsPaymentIntent: a payment intent and its
// charge become one row, whichever comes first; a payment intent with no
// charge and a charge whose payment intent never comes are rows of their
// own; and what waits for its other half stays bounded.
func TestPairerMergesEachChargeIntoItsPaymentIntent(t *testing.T) {
	p := newPairer()
	var rows []store.StagedObject
	stage := func(o store.StagedObject) error { rows = append(rows, o); return nil }
	intent := func(i int) store.StagedObject {
		return store.StagedObject{Object: "payment_intent", ID: fmt.Sprint("pi_", i), ChargeID: fmt.Sprint("ch_", i)}
	}
	charge := func(i int) store.StagedObject {
		return store.StagedObject{Object: "charge", ID: fmt.Sprint("ch_", i), PaymentIntentID: fmt.Sprint("pi_", i),
			Status: "succeeded", Email: fmt.Sprintf("c%d@example.test", i), Refunded: i%2 == 0}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(p.add(intent(1), stage))
	must(p.add(charge(1), stage)) // intent first
	must(p.add(charge(2), stage))
	must(p.add(intent(2), stage)) // charge first
	must(p.add(store.StagedObject{Object: "payment_intent", ID: "pi_unpaid"}, stage))
	// A charge that names another payment intent is not merged into one
	// whose latest charge it is said to be: both stay rows of their own.
	must(p.add(store.StagedObject{Object: "charge", ID: "ch_odd", PaymentIntentID: "pi_other", Status: "succeeded"}, stage))
	must(p.add(store.StagedObject{Object: "payment_intent", ID: "pi_odd", ChargeID: "ch_odd"}, stage))
	for i := 10; i < 10+3*pairWindow; i++ { // charges of payment intents never listed
		must(p.add(charge(i), stage))
		if n := len(p.charges.cur) + len(p.charges.prev); n > 2*pairWindow || len(p.charges.slab) > 2*pairWindow {
			t.Fatalf("%d charges wait in %d slots, more than two windows", n, len(p.charges.slab))
		}
	}
	must(p.drain(stage))

	if len(rows) != 5+3*pairWindow {
		t.Fatalf("%d rows staged, want %d", len(rows), 5+3*pairWindow)
	}
	byID := map[string]store.StagedObject{}
	for _, r := range rows {
		if _, dup := byID[r.ID]; dup {
			t.Fatalf("%s staged twice", r.ID)
		}
		byID[r.ID] = r
	}
	for _, id := range []string{"pi_1", "pi_2"} {
		r := byID[id]
		if r.Charge == nil || r.Charge.Status != "succeeded" || r.Charge.Email == "" {
			t.Fatalf("%s carries no charge: %+v", id, r)
		}
	}
	if !byID["pi_2"].Charge.Refunded || byID["pi_1"].Charge.Refunded {
		t.Fatal("each payment intent carries its own charge's refund flag")
	}
	if _, ok := byID["ch_1"]; ok {
		t.Fatal("a merged charge is not also a row of its own")
	}
	if byID["pi_odd"].Charge != nil || byID["ch_odd"].Object != "charge" {
		t.Fatal("a charge naming another payment intent was merged")
	}
	if byID["pi_unpaid"].Charge != nil || byID["ch_10"].Object != "charge" {
		t.Fatal("a payment intent with no charge and a charge with no payment intent are rows of their own")
	}
}

// failingCharges lists n payment intents, and charges until the list of
// charges fails after its first page.
type failingCharges struct {
	Lister
	n int
}

func (f failingCharges) ListPaymentIntents(ctx context.Context, _ billing.Range, fn func(billing.Payment) error) error {
	for i := range f.n {
		if err := fn(billing.Payment{ID: fmt.Sprint("pi_", i), LatestChargeID: fmt.Sprint("ch_", i),
			Created: time.Unix(int64(f.n-i), 0)}); err != nil {
			return err
		}
	}
	return nil
}

func (f failingCharges) ListCharges(ctx context.Context, _ billing.Range, fn func(billing.Charge) error) error {
	for i := range pageSize {
		if err := fn(billing.Charge{ID: fmt.Sprint("ch_", i), PaymentIntentID: fmt.Sprint("pi_", i),
			Created: time.Unix(int64(f.n-i), 0)}); err != nil {
			return err
		}
	}
	return errors.New("processor unavailable")
}

// TestListPaymentsStopsWhenEitherListFails: a failed list of charges ends
// the listing of both with the charges' error, rather than a partial
// listing that looks complete, and the calls made are counted.
func TestListPaymentsStopsWhenEitherListFails(t *testing.T) {
	g := &stager{buf: make([]store.StagedObject, 0, batchSize)}
	err := g.listPayments(t.Context(), failingCharges{n: 10 * pageSize}, billing.Range{})
	if err == nil || !strings.Contains(err.Error(), "list charges: processor unavailable") {
		t.Fatalf("got %v, want the charges' error", err)
	}
	if g.calls < 2 {
		t.Fatalf("%d list calls counted", g.calls)
	}
}

// pairedLister lists n payment intents and their charges, newest first,
// one page of 100 after another.
type pairedLister struct {
	Lister
	n int
}

func (l pairedLister) ListPaymentIntents(ctx context.Context, _ billing.Range, fn func(billing.Payment) error) error {
	for i := l.n - 1; i >= 0; i-- {
		if err := fn(billing.Payment{ID: fmt.Sprint("pi_", i), Status: "succeeded", LatestChargeID: fmt.Sprint("ch_", i),
			Created: time.Unix(int64(i), 0)}); err != nil {
			return err
		}
	}
	return nil
}

func (l pairedLister) ListCharges(ctx context.Context, _ billing.Range, fn func(billing.Charge) error) error {
	for i := l.n - 1; i >= 0; i-- {
		if err := fn(billing.Charge{ID: fmt.Sprint("ch_", i), PaymentIntentID: fmt.Sprint("pi_", i), Status: "succeeded",
			ReceiptEmail: fmt.Sprintf("c%d@example.test", i), Created: time.Unix(int64(i), 0)}); err != nil {
			return err
		}
	}
	return nil
}

// TestListPaymentsStagesEachPairOnce: over many pages (whose slices the
// listing reuses), each payment intent is staged once, carrying its own
// charge, and the objects and calls are counted. Even unpaired, the rows
// would fit one batch: the stager here has no writer.
func TestListPaymentsStagesEachPairOnce(t *testing.T) {
	const n = (batchSize - 1) / (2 * pageSize) * pageSize
	g := &stager{buf: make([]store.StagedObject, 0, batchSize)}
	if err := g.listPayments(t.Context(), pairedLister{n: n}, billing.Range{}); err != nil {
		t.Fatal(err)
	}
	if len(g.buf) != n || g.seen != 2*n || g.calls != 2*n/pageSize {
		t.Fatalf("%d rows, %d seen, %d calls; want %d, %d, %d", len(g.buf), g.seen, g.calls, n, 2*n, 2*n/pageSize)
	}
	staged := map[string]bool{}
	for _, o := range g.buf {
		i := strings.TrimPrefix(o.ID, "pi_")
		if o.Object != "payment_intent" || staged[o.ID] || o.Charge == nil || o.Charge.Email != "c"+i+"@example.test" {
			t.Fatalf("row %+v: not one payment intent with its own charge", o)
		}
		staged[o.ID] = true
	}
}
