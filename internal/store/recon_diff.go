package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/backstophq/backstop/internal/billing"
)

// DiffWindow is what one sweep covered: objects created in [From, To] were
// listed, and payments created after Cutoff (To minus the grace period) are
// left to the webhook.
type DiffWindow struct {
	RunID  int64
	From   time.Time
	To     time.Time
	Cutoff time.Time
}

// Classify diffs a run's staged processor objects against the orders with
// set-based SQL, one statement per step, and writes the run's findings
// (recon_findings). Nothing outside the staging tables changes. The kinds
// and actions are DESIGN section 6's table; see package recon.
//
// The payments are built in parts on separate connections (see
// buildPaymentsInParts), then linked to orders, and the findings are
// written on two connections at once (see besideSteps). The staging is the
// run's own and dropped when the run ends, failed or not, so a part
// committed before another failed leaves nothing behind.
func (s *Store) Classify(ctx context.Context, w DiffWindow) error {
	if err := s.classifyTx(ctx, w, []sqlStep{analyzeObjects}); err != nil {
		return err
	}
	if err := s.buildPaymentsInParts(ctx, w); err != nil {
		return err
	}
	if err := s.classifyTx(ctx, w, linkSteps); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.classifyTx(gctx, w, findingSteps) })
	g.Go(func() error { return s.classifyTx(gctx, w, besideSteps) })
	return g.Wait()
}

// besideSteps run beside findingSteps, on a connection of its own: what
// they read is settled once the payments are linked. The refunds are read
// from the staged objects alone. The served orders with no payment read the
// links; the duplicate steps do mark payments to examine that were not, but
// each such payment is linked to the served order that recorded it (that
// is what made it agreed), so the check's first clause already finds it,
// and orders have one payment intent each (a unique index), so it speaks
// for no other order.
var besideSteps = []sqlStep{
	{"refunded_active", refundedFinding},
	{"unpaid_fulfilled", unpaidFinding},
}

// classifyTx runs steps in one transaction under classifySettings.
func (s *Store) classifyTx(ctx context.Context, w DiffWindow, steps []sqlStep) error {
	return s.InTx(ctx, func(tx *Tx) error {
		for _, step := range append(slices.Clip(classifySettings), steps...) {
			q, args := bindWindow(step.sql, w)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("classify: %s: %w", step.name, mapErr(err))
			}
		}
		return nil
	})
}

// paymentsParts is how many connections build a run's payments at once,
// and partBlocks the staging size (in 8 kB blocks, about 30 payment
// intents each) below which one does. PostgreSQL runs no INSERT … SELECT
// in parallel by itself; two parts on a two-core database server build a
// million payments in about 70% of the time one does, 4.1–4.3 s against
// 6.0 s (each part hashes the orders for itself, which is why it is not
// half, and holds its own work_mem).
const (
	paymentsParts = 2
	partBlocks    = 1000
)

// buildPaymentsInParts writes the run's payments (buildPayments), the
// payment intents' staging split by physical block range into
// paymentsParts parts, each in its own transaction and all at once. The
// staging is complete when this runs, so the ranges cover every row.
func (s *Store) buildPaymentsInParts(ctx context.Context, w DiffWindow) error {
	var blocks int64
	if err := s.db.GetContext(ctx, &blocks,
		`SELECT pg_relation_size('recon_payment_intents') / current_setting('block_size')::bigint`); err != nil {
		return fmt.Errorf("classify: staging size: %w", mapErr(err))
	}
	if blocks < partBlocks {
		return s.classifyTx(ctx, w, []sqlStep{paymentsStep})
	}
	g, gctx := errgroup.WithContext(ctx)
	for i := range int64(paymentsParts) {
		lo, hi := blocks*i/paymentsParts, blocks*(i+1)/paymentsParts
		part := fmt.Sprintf(" AND pi.ctid >= '(%d,0)'::tid", lo)
		if i < paymentsParts-1 {
			part += fmt.Sprintf(" AND pi.ctid < '(%d,0)'::tid", hi)
		}
		name := fmt.Sprintf("payments, part %d of %d", i+1, paymentsParts)
		g.Go(func() error { return s.classifyTx(gctx, w, []sqlStep{{name, paymentsStep.sql + part}}) })
	}
	return g.Wait()
}

type sqlStep struct{ name, sql string }

// Steps name the window's values as {run}, {from}, {to} and {cutoff}.
//
// The steps are shaped for a window of a million payments (DESIGN section
// 11): each is one statement over the whole window, the staging is
// analyzed once filled (fresh, it has no statistics, and the planner would
// nest loops over it), and work_mem is raised for the transaction so that
// the hash joins and aggregates over the window stay in memory (about
// 200 MB at a million payments; the sweep runs one at a time). Only the
// payments building step and the duplicates-by-email count read every
// payment: the payments the processor and our orders agree on are written
// with examine false, and every later step reads only the others. The
// statistics are sampled lightly: the planner needs the tables' sizes and
// rough counts, and a full sample of a million rows costs seconds. Hash
// joins are preferred to merge joins (unindexed staging would be sorted
// first, a second more at a million payments), and JIT compilation is off:
// it cost half a second a statement here, more than it saved. The settings
// are the transaction's, so each transaction of a classification starts
// with them.
var classifySettings = []sqlStep{
	{"memory", `SET LOCAL work_mem = '256MB'`},
	{"light statistics", `SET LOCAL default_statistics_target = 10`},
	{"hash joins", `SET LOCAL enable_mergejoin = off`},
	{"no jit", `SET LOCAL jit = off`},
}

var analyzeObjects = sqlStep{"analyze objects",
	`ANALYZE recon_sessions, recon_payment_intents, recon_charges, recon_refunds, recon_disputes`}

// paymentsStep builds the run's payments in one statement; the sweep splits
// it into parts at scale (buildPaymentsInParts).
var paymentsStep = sqlStep{"payments", buildPayments}

// linkSteps follow the payments' building: each payment's order and plan.
var linkSteps = []sqlStep{
	{"analyze payments", `ANALYZE recon_payments`},
	// The order a payment belongs to, by the same links and in the same
	// order of strength as billing's FindOrderForPayment: the public
	// reference (in buildPayments), the session, the payment intent, and
	// the order id only without a public reference, since a restored
	// database reuses ids.
	{"link by session", linkOrders(`o.checkout_session_id = p.session_id`)},
	{"link by payment intent", linkOrders(`o.payment_intent_id = p.payment_intent_id`)},
	{"link by order id", linkOrders(`p.public_ref IS NULL
		AND o.id = CASE WHEN p.order_ref ~ '^[0-9]{1,18}$' THEN CAST(p.order_ref AS bigint) END`)},
	{"plan from metadata", `UPDATE recon_payments p SET plan_code = pl.code FROM plans pl
		WHERE p.run_id = {run} AND p.examine AND p.order_id IS NULL AND pl.code = p.plan`},
	{"plan from amount", `UPDATE recon_payments p SET plan_code = m.code
		FROM (SELECT amount, currency, min(code) AS code FROM plans WHERE active
			GROUP BY amount, currency HAVING count(*) = 1) m
		WHERE p.run_id = {run} AND p.examine AND p.order_id IS NULL AND p.plan IS NULL
			AND m.amount = p.amount AND m.currency = p.currency`},
}

// findingSteps follow the links, in order: the duplicates, and the findings
// they decide.
var findingSteps = []sqlStep{
	{"duplicates of one order", dupByOrder},
	{"duplicates by email and plan", dupByEmail},
	{"what duplicates repeat", examineRepeated},
	{"duplicate_payment", paymentFinding(billing.KindDuplicatePayment, "queue", `p.duplicate_of IS NOT NULL`)},
	{"identity_unknown", paymentFinding(billing.KindIdentityUnknown, "queue",
		servable+` AND o.id IS NULL AND p.email IS NULL`)},
	{"orphan_payment heal", paymentFinding(billing.KindOrphanPayment, "heal",
		servable+` AND o.id IS NULL AND p.email IS NOT NULL AND `+planMatches)},
	{"orphan_payment queue", paymentFinding(billing.KindOrphanPayment, "queue",
		servable+` AND o.id IS NULL AND p.email IS NOT NULL AND pl.code IS NULL`)},
	// A payment whose amount is not its plan's goes through Fulfill too: it
	// rebuilds or links the order, holds it, and queues the holding email.
	{"amount_mismatch orphan", paymentFinding(billing.KindAmountMismatch, "heal",
		servable+` AND o.id IS NULL AND p.email IS NOT NULL AND pl.code IS NOT NULL AND NOT `+planMatches)},
	{"stuck_pending", paymentFinding(billing.KindStuckPending, "heal",
		servable+` AND o.status IN ('pending', 'expired', 'failed') AND `+planMatches)},
	{"amount_mismatch pending", paymentFinding(billing.KindAmountMismatch, "heal",
		servable+` AND o.status IN ('pending', 'expired', 'failed') AND NOT `+planMatches)},
	{"amount_mismatch held", paymentFinding(billing.KindAmountMismatch, "queue", servable+` AND o.status = 'paid'`)},
	{"status_mismatch", statusFinding},
	{"disputed", disputedFinding},
	{"expired_pending by session", expiredFinding(`o.checkout_session_id = s.id`)},
	{"expired_pending by metadata", expiredFinding(`o.checkout_session_id IS NULL
		AND o.id = CASE WHEN s.order_ref ~ '^[0-9]{1,18}$' THEN CAST(s.order_ref AS bigint) END
		AND (s.public_ref IS NULL OR s.public_ref = o.public_ref)`)},
}

// bindWindow replaces the placeholders a step uses with $1, $2, … in order
// of first use and returns the matching arguments.
func bindWindow(q string, w DiffWindow) (string, []any) {
	values := map[string]any{"{run}": w.RunID, "{from}": w.From.UTC(), "{to}": w.To.UTC(), "{cutoff}": w.Cutoff.UTC()}
	var args []any
	for _, name := range []string{"{run}", "{from}", "{to}", "{cutoff}"} {
		if strings.Contains(q, name) {
			args = append(args, values[name])
			q = strings.ReplaceAll(q, name, "$"+strconv.Itoa(len(args)))
		}
	}
	return q, args
}

// buildPayments writes one row per succeeded payment intent, with what its
// charge, session, refunds and disputes say, linked to our order by its
// public reference. The charge is on the payment intent's own row when the
// two were listed side by side (nearly always), else on a row of its own. The order and the processor agree when that order is
// served, recorded this payment, and the payment is neither refunded nor
// disputed: such a payment is written with examine false. Any other
// payment's email is dropped when it is no address (checking every email
// of a million-payment window costs a second).
var buildPayments = `
	INSERT INTO recon_payments (run_id, payment_intent_id, charge_id, session_id, amount, currency, email,
		order_ref, public_ref, plan, created, settled, refunded, disputed, charge_status, amount_refunded,
		order_id, plan_code, examine)
	SELECT pi.run_id, pi.id, pi.charge_id, cs.id, pi.amount, pi.currency,
		CASE WHEN a.agreed OR m.email ~ '^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$' THEN m.email END,
		m.order_ref, m.public_ref, m.plan, t.created, t.created <= {cutoff}, m.refunded, m.disputed,
		ch.status, GREATEST(ch.amount_refunded, rd.refunded, 0), o.id, o.plan_code, NOT a.agreed
	FROM recon_objects pi
	LEFT JOIN recon_objects lone ON lone.run_id = pi.run_id AND lone.object = 'charge' AND lone.id = pi.charge_id
		AND pi.charge_status IS NULL
	CROSS JOIN LATERAL (SELECT COALESCE(pi.charge_status, lone.status) AS status,
		COALESCE(pi.charge_email, lone.email) AS email,
		COALESCE(pi.charge_amount_refunded, lone.amount_refunded) AS amount_refunded,
		COALESCE(pi.charge_refunded, lone.refunded) AS refunded,
		COALESCE(pi.charge_disputed, lone.disputed) AS disputed) ch
	LEFT JOIN (SELECT DISTINCT ON (payment_intent_id) payment_intent_id, id, email, order_ref, public_ref, plan
		FROM recon_objects WHERE run_id = {run} AND object = 'session' AND payment_intent_id IS NOT NULL
		ORDER BY payment_intent_id, created_us DESC) cs ON cs.payment_intent_id = pi.id
	LEFT JOIN (SELECT payment_intent_id,
			sum(amount) FILTER (WHERE object = 'refund' AND status IN ('succeeded', 'pending')) AS refunded,
			bool_or(object = 'dispute') AS disputed
		FROM recon_objects WHERE run_id = {run} AND object IN ('refund', 'dispute')
		GROUP BY payment_intent_id) rd ON rd.payment_intent_id = pi.id
	CROSS JOIN LATERAL (SELECT COALESCE(pi.email, ch.email, cs.email) AS email,
		COALESCE(pi.order_ref, cs.order_ref) AS order_ref, COALESCE(pi.public_ref, cs.public_ref) AS public_ref,
		COALESCE(pi.plan, cs.plan) AS plan,
		COALESCE(ch.refunded, false) OR COALESCE(rd.refunded, 0) >= pi.amount AS refunded,
		COALESCE(ch.disputed, false) OR COALESCE(rd.disputed, false) AS disputed) m
	LEFT JOIN orders o ON o.public_ref = m.public_ref
	CROSS JOIN LATERAL (SELECT ` + stagedTime("pi.created_us") + ` AS created) t
	CROSS JOIN LATERAL (SELECT COALESCE(o.status = 'fulfilled' AND o.payment_intent_id = pi.id
		AND NOT m.refunded AND NOT m.disputed, false) AS agreed) a
	WHERE pi.run_id = {run} AND pi.object = 'payment_intent' AND pi.status = 'succeeded'`

// linkOrders links the payments buildPayments could not, by a weaker link,
// taking the order's plan.
func linkOrders(on string) string {
	return `UPDATE recon_payments p SET order_id = o.id, plan_code = o.plan_code FROM orders o
		WHERE p.run_id = {run} AND p.examine AND p.order_id IS NULL AND ` + on
}

// stagedTime is a staging column of integer microseconds since the epoch
// (see migrations/00020) as the timestamptz it was, exactly: integer
// arithmetic on an interval, no floating-point seconds.
func stagedTime(col string) string {
	return `(timestamptz 'epoch' + ` + col + ` * interval '1 microsecond')`
}

// planMatches says the payment paid exactly its plan's price.
const planMatches = `(pl.code IS NOT NULL AND p.amount = pl.amount AND p.currency = pl.currency)`
