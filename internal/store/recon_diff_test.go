package store_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// diffWorld is a database with the demo plan and a clock, into which a test
// stages what the processor listed and then classifies it.
type diffWorld struct {
	t   *testing.T
	s   *store.Store
	now time.Time
	ids int
	// charges are staged with the next classify: the charge of every
	// payment the test made, on its own row, or on its payment intent's
	// when merged (as the sweep stages a pair listed side by side).
	charges []store.StagedObject
	merged  bool
}

func newDiffWorld(t *testing.T) *diffWorld {
	t.Helper()
	s, ctx := setup(t)
	require.NoError(t, s.UpsertPlan(ctx, billing.Plan{Code: "pro", Name: "Pro", Amount: 24900, Currency: "usd", Interval: "year", Active: true}))
	require.NoError(t, s.UpsertPlan(ctx, billing.Plan{Code: "team", Name: "Team", Amount: 99900, Currency: "usd", Interval: "year", Active: true}))
	return &diffWorld{t: t, s: s, now: time.Now().UTC().Truncate(time.Second)}
}

// stagedPayment is one succeeded payment intent as the sweep stages it.
type stagedPayment struct {
	email, plan, publicRef string
	ago                    time.Duration
	amount                 int64
	orderID                int64
	refunded               bool
}

func (w *diffWorld) payment(p stagedPayment) store.StagedObject {
	w.ids++
	if p.amount == 0 {
		p.amount = 24900
	}
	o := store.StagedObject{
		Object: "payment_intent", ID: fmt.Sprintf("pi_%03d", w.ids), Status: "succeeded",
		ChargeID: fmt.Sprintf("ch_%03d", w.ids), Amount: p.amount, Currency: "usd", Email: p.email,
		PublicRef: p.publicRef, Plan: p.plan, Paid: true, Refunded: p.refunded, Created: w.now.Add(-p.ago),
	}
	o.PaymentIntentID = o.ID
	if p.orderID != 0 {
		o.OrderRef = fmt.Sprint(p.orderID)
	}
	ch := store.StagedObject{
		Object: "charge", ID: o.ChargeID, Status: "succeeded", PaymentIntentID: o.ID, ChargeID: o.ChargeID,
		Amount: o.Amount, Currency: o.Currency, Email: p.email, Paid: true, Refunded: p.refunded, Created: o.Created,
	}
	if p.refunded {
		ch.AmountRefunded = ch.Amount
	}
	w.charges = append(w.charges, ch)
	return o
}

// order inserts an order of ours for email in status, and returns its id
// and public reference.
func (w *diffWorld) order(email, status string) (int64, string) {
	w.t.Helper()
	w.ids++
	ref := fmt.Sprintf("BK-TEST-%04d", w.ids)
	var id int64
	require.NoError(w.t, w.s.DB().Get(&id, `INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key)
		VALUES ($1, $2, 'pro', 24900, 'usd', $3, $1) RETURNING id`, ref, email, status))
	return id, ref
}

// classify stages objs for a new run, classifies them over the last 72
// hours and returns the run's findings, each as "kind action subject",
// sorted, with " dup-of=<payment>" when its evidence names the payment it
// repeats.
func (w *diffWorld) classify(objs ...store.StagedObject) []string {
	w.t.Helper()
	ctx := w.t.Context()
	run, err := w.s.StartReconRun(ctx, "sweep", true, "")
	require.NoError(w.t, err)
	require.NoError(w.t, w.s.StageObjects(ctx, run, w.withCharges(objs)))
	w.charges = nil
	require.NoError(w.t, w.s.Classify(ctx, store.DiffWindow{RunID: run, From: w.now.Add(-72 * time.Hour), To: w.now, Cutoff: w.now}))
	var rows []struct {
		Kind, Action, Subject string
		Dup                   *string
	}
	require.NoError(w.t, w.s.DB().Select(&rows, `SELECT kind, action, subject, evidence->'duplicates'->>'payment_intent' AS dup
		FROM recon_findings WHERE run_id = $1`, run))
	out := []string{}
	for _, r := range rows {
		line := r.Kind + " " + r.Action + " " + r.Subject
		if r.Dup != nil {
			line += " dup-of=" + *r.Dup
		}
		out = append(out, line)
	}
	sort.Strings(out)
	return out
}

// withCharges is objs and the charges of the payments made, each charge on
// its own row or, when merged, on its payment intent's.
func (w *diffWorld) withCharges(objs []store.StagedObject) []store.StagedObject {
	if !w.merged {
		return append(objs, w.charges...)
	}
	out := append([]store.StagedObject(nil), objs...)
	for _, ch := range w.charges {
		i := slices.IndexFunc(out, func(o store.StagedObject) bool { return o.ID == ch.PaymentIntentID })
		require.GreaterOrEqual(w.t, i, 0, "the charge's payment intent is staged")
		out[i].Charge = &store.StagedCharge{Status: ch.Status, Email: ch.Email, AmountRefunded: ch.AmountRefunded,
			Refunded: ch.Refunded, Disputed: ch.Disputed, Created: ch.Created}
	}
	return out
}

// TestClassifyDuplicatesByEmail is DESIGN section 6's rule for payments of
// one email and plan within 24 hours: those no distinct order of ours asked
// for are served once, from the earliest (an order's own payment before a
// stranger's), and the others flagged in the same run, with the payment
// they repeat in the evidence; each purchase through our checkout is served.
func TestClassifyDuplicatesByEmail(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		world func(w *diffWorld) []store.StagedObject
		want  []string
	}{
		{"paid twice outside our checkout", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "twice@example.test", plan: "pro", ago: 3 * time.Minute}),
				w.payment(stagedPayment{email: "Twice@Example.test", plan: "pro", ago: 2 * time.Minute}),
			}
		}, []string{
			"duplicate_payment queue pi_002 dup-of=pi_001",
			"orphan_payment heal pi_001",
		}},
		{"three times: each extra repeats the first", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "thrice@example.test", ago: 5 * time.Minute}),
				w.payment(stagedPayment{email: "thrice@example.test", ago: 4 * time.Minute}),
				w.payment(stagedPayment{email: "thrice@example.test", ago: 3 * time.Minute}),
			}
		}, []string{
			"duplicate_payment queue pi_002 dup-of=pi_001",
			"duplicate_payment queue pi_003 dup-of=pi_001",
			"orphan_payment heal pi_001",
		}},
		{"more than 24 hours apart: two purchases", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "later@example.test", plan: "pro", ago: 49 * time.Hour}),
				w.payment(stagedPayment{email: "later@example.test", plan: "pro", ago: 24*time.Hour - time.Minute}),
			}
		}, []string{
			"orphan_payment heal pi_001",
			"orphan_payment heal pi_002",
		}},
		{"two plans: two purchases", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "both@example.test", plan: "pro", ago: 3 * time.Minute}),
				w.payment(stagedPayment{email: "both@example.test", plan: "team", amount: 99900, ago: 2 * time.Minute}),
			}
		}, []string{
			"orphan_payment heal pi_001",
			"orphan_payment heal pi_002",
		}},
		{"refunded first: the second is served", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "again@example.test", ago: 3 * time.Minute, refunded: true}),
				w.payment(stagedPayment{email: "again@example.test", ago: 2 * time.Minute}),
			}
		}, []string{
			"orphan_payment heal pi_002",
		}},
		{"a stranger's payment before our order's: ours is served", func(w *diffWorld) []store.StagedObject {
			id, ref := w.order("mixed@example.test", billing.StatusPending)
			return []store.StagedObject{
				w.payment(stagedPayment{email: "mixed@example.test", ago: 3 * time.Minute}),
				w.payment(stagedPayment{email: "mixed@example.test", plan: "pro", publicRef: ref, orderID: id, ago: 2 * time.Minute}),
			}
		}, []string{
			"duplicate_payment queue pi_002 dup-of=pi_003",
			"stuck_pending heal pi_003",
		}},
		{"two orders of ours: both served, the second flagged", func(w *diffWorld) []store.StagedObject {
			id1, ref1 := w.order("bought2@example.test", billing.StatusPending)
			id2, ref2 := w.order("bought2@example.test", billing.StatusPending)
			return []store.StagedObject{
				w.payment(stagedPayment{email: "bought2@example.test", plan: "pro", publicRef: ref1, orderID: id1, ago: 3 * time.Minute}),
				w.payment(stagedPayment{email: "bought2@example.test", plan: "pro", publicRef: ref2, orderID: id2, ago: 2 * time.Minute}),
			}
		}, []string{
			"duplicate_payment queue pi_004 dup-of=pi_003",
			"stuck_pending heal pi_003",
			"stuck_pending heal pi_004 dup-of=pi_003",
		}},
		{"restored database: two references, two purchases", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "restored@example.test", plan: "pro", publicRef: "BK-GONE-0001", ago: 3 * time.Minute}),
				w.payment(stagedPayment{email: "restored@example.test", plan: "pro", publicRef: "BK-GONE-0002", ago: 2 * time.Minute}),
			}
		}, []string{
			"duplicate_payment queue pi_002 dup-of=pi_001",
			"orphan_payment heal pi_001",
			"orphan_payment heal pi_002 dup-of=pi_001",
		}},
		{"restored database: one reference paid twice", func(w *diffWorld) []store.StagedObject {
			return []store.StagedObject{
				w.payment(stagedPayment{email: "restored@example.test", plan: "pro", publicRef: "BK-GONE-0003", ago: 3 * time.Minute}),
				w.payment(stagedPayment{email: "restored@example.test", plan: "pro", publicRef: "BK-GONE-0003", ago: 2 * time.Minute}),
			}
		}, []string{
			"duplicate_payment queue pi_002 dup-of=pi_001",
			"orphan_payment heal pi_001",
		}},
	}
	for _, c := range cases {
		for _, merged := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, charges merged %v", c.name, merged), func(t *testing.T) {
				t.Parallel()
				w := newDiffWorld(t)
				w.merged = merged
				require.Equal(t, c.want, w.classify(c.world(w)...))
			})
		}
	}
}

// TestClassifyDuplicateEvidence checks the duplicate's evidence shows both
// payments: its own, and the one it repeats with that payment's order.
func TestClassifyDuplicateEvidence(t *testing.T) {
	t.Parallel()
	w := newDiffWorld(t)
	id, ref := w.order("evidence@example.test", billing.StatusPending)
	first := w.payment(stagedPayment{email: "evidence@example.test", plan: "pro", publicRef: ref, orderID: id, ago: 3 * time.Minute})
	extra := w.payment(stagedPayment{email: "evidence@example.test", ago: 2 * time.Minute})
	w.classify(first, extra)
	var got struct {
		Own, First, Amount, Created, Order string
	}
	require.NoError(t, w.s.DB().Get(&got, `SELECT evidence->'payment'->>'payment_intent' AS own,
			evidence->'duplicates'->>'payment_intent' AS first, evidence->'duplicates'->>'amount' AS amount,
			evidence->'duplicates'->>'created' AS created, evidence->'duplicates'->'order'->>'public_ref' AS order
		FROM recon_findings WHERE kind = $1`, billing.KindDuplicatePayment))
	require.Equal(t, extra.ID, got.Own)
	require.Equal(t, first.ID, got.First)
	require.Equal(t, "24900", got.Amount)
	created, err := time.Parse(time.RFC3339, strings.TrimSpace(got.Created))
	require.NoError(t, err)
	require.True(t, created.Equal(first.Created), "%s", got.Created)
	require.Equal(t, ref, got.Order)
}

// TestClassifyDisputeTimes stages an open dispute, whose times the staging
// keeps as integer microseconds: its finding carries them as the
// processor's times, exactly, a second's fraction included.
func TestClassifyDisputeTimes(t *testing.T) {
	t.Parallel()
	w := newDiffWorld(t)
	created := w.now.Add(-time.Hour - 250*time.Millisecond)
	due := w.now.Add(7*24*time.Hour + 500*time.Microsecond)
	w.classify(store.StagedObject{Object: "dispute", ID: "dp_times", Status: "needs_response", PaymentIntentID: "pi_gone",
		ChargeID: "ch_gone", Amount: 24900, Currency: "usd", Reason: "fraudulent", DueBy: due, Created: created})
	var got struct {
		SubjectAt time.Time `db:"subject_at"`
		DueBy     time.Time `db:"evidence_due_by"`
		Evidence  string
	}
	require.NoError(t, w.s.DB().Get(&got, `SELECT subject_at, evidence_due_by, evidence->'dispute'->>'evidence_due_by' AS evidence
		FROM recon_findings WHERE kind = $1 AND subject = 'dp_times'`, billing.KindDisputed))
	require.True(t, got.SubjectAt.Equal(created), "subject_at %s, created %s", got.SubjectAt, created)
	require.True(t, got.DueBy.Equal(due), "evidence_due_by %s, due %s", got.DueBy, due)
	inEvidence, err := time.Parse(time.RFC3339Nano, got.Evidence)
	require.NoError(t, err)
	require.True(t, inEvidence.Equal(due), "evidence %s", got.Evidence)
}
