package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

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
func (s *Store) Classify(ctx context.Context, w DiffWindow) error {
	return s.InTx(ctx, func(tx *Tx) error {
		for _, step := range classifySteps {
			q, args := bindWindow(step.sql, w)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("classify: %s: %w", step.name, mapErr(err))
			}
		}
		return nil
	})
}

type sqlStep struct{ name, sql string }

// Steps name the window's values as {run}, {from}, {to} and {cutoff}.
// The staging tables are analyzed once filled: fresh, they have no
// statistics, and the planner would nest loops over 100k rows.
var classifySteps = []sqlStep{
	{"analyze objects", `ANALYZE recon_objects`},
	{"payments", buildPayments},
	{"drop bad emails", `UPDATE recon_payments SET email = NULL
		WHERE run_id = {run} AND email !~ '^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$'`},
	// The order a payment belongs to, by the same links and in the same
	// order of strength as billing's FindOrderForPayment: the order id only
	// without a public reference, since a restored database reuses ids.
	{"link by public ref", linkOrders(`o.public_ref = p.public_ref`)},
	{"link by session", linkOrders(`o.checkout_session_id = p.session_id`)},
	{"link by payment intent", linkOrders(`o.payment_intent_id = p.payment_intent_id`)},
	{"link by order id", linkOrders(`p.public_ref IS NULL
		AND o.id = CASE WHEN p.order_ref ~ '^[0-9]{1,18}$' THEN CAST(p.order_ref AS bigint) END`)},
	{"analyze payments", `ANALYZE recon_payments`},
	{"plan of linked", `UPDATE recon_payments p SET plan_code = o.plan_code FROM orders o
		WHERE p.run_id = {run} AND o.id = p.order_id`},
	{"plan from metadata", `UPDATE recon_payments p SET plan_code = pl.code FROM plans pl
		WHERE p.run_id = {run} AND p.order_id IS NULL AND pl.code = p.plan`},
	{"plan from amount", `UPDATE recon_payments p SET plan_code = m.code
		FROM (SELECT amount, currency, min(code) AS code FROM plans WHERE active
			GROUP BY amount, currency HAVING count(*) = 1) m
		WHERE p.run_id = {run} AND p.order_id IS NULL AND p.plan IS NULL
			AND m.amount = p.amount AND m.currency = p.currency`},
	{"duplicates of one order", dupByOrder},
	{"duplicates by email and plan", dupByEmail},
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
	{"refunded_active", refundedFinding},
	{"unpaid_fulfilled", unpaidFinding},
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

const buildPayments = `
	INSERT INTO recon_payments (run_id, payment_intent_id, charge_id, session_id, amount, currency, email,
		order_ref, public_ref, plan, created, settled, refunded, disputed)
	SELECT pi.run_id, pi.id, pi.charge_id, cs.id, pi.amount, pi.currency,
		COALESCE(pi.email, ch.email, cs.email),
		COALESCE(pi.order_ref, cs.order_ref), COALESCE(pi.public_ref, cs.public_ref), COALESCE(pi.plan, cs.plan),
		pi.created, pi.created <= {cutoff},
		COALESCE(ch.refunded, false) OR COALESCE(rf.total, 0) >= pi.amount,
		COALESCE(ch.disputed, false) OR dp.payment_intent_id IS NOT NULL
	FROM recon_objects pi
	LEFT JOIN recon_objects ch ON ch.run_id = pi.run_id AND ch.object = 'charge' AND ch.id = pi.charge_id
	LEFT JOIN (SELECT DISTINCT ON (payment_intent_id) payment_intent_id, id, email, order_ref, public_ref, plan
		FROM recon_objects WHERE run_id = {run} AND object = 'session' AND payment_intent_id IS NOT NULL
		ORDER BY payment_intent_id, created DESC) cs ON cs.payment_intent_id = pi.id
	LEFT JOIN (SELECT payment_intent_id, sum(amount) AS total FROM recon_objects
		WHERE run_id = {run} AND object = 'refund' AND status IN ('succeeded', 'pending')
		GROUP BY payment_intent_id) rf ON rf.payment_intent_id = pi.id
	LEFT JOIN (SELECT DISTINCT payment_intent_id FROM recon_objects
		WHERE run_id = {run} AND object = 'dispute') dp ON dp.payment_intent_id = pi.id
	WHERE pi.run_id = {run} AND pi.object = 'payment_intent' AND pi.status = 'succeeded'`

func linkOrders(on string) string {
	return `UPDATE recon_payments p SET order_id = o.id FROM orders o
		WHERE p.run_id = {run} AND p.order_id IS NULL AND ` + on
}

// planMatches says the payment paid exactly its plan's price.
const planMatches = `(pl.code IS NOT NULL AND p.amount = pl.amount AND p.currency = pl.currency)`

// dupByOrder marks every settled, unrefunded payment of an order but one as
// a duplicate: the one the order recorded, else the earliest.
var dupByOrder = `
	UPDATE recon_payments p SET duplicate_of = d.first FROM (
		SELECT rp.payment_intent_id, first_value(rp.payment_intent_id) OVER w AS first, row_number() OVER w AS n
		FROM recon_payments rp LEFT JOIN orders o ON o.id = rp.order_id
		WHERE rp.run_id = {run} AND rp.order_id IS NOT NULL AND rp.settled AND NOT rp.refunded
		WINDOW w AS (PARTITION BY rp.order_id
			ORDER BY COALESCE(rp.payment_intent_id = o.payment_intent_id, false) DESC, rp.created, rp.payment_intent_id)
	) d
	WHERE p.run_id = {run} AND p.payment_intent_id = d.payment_intent_id AND d.n > 1`

// dupByEmail marks a payment as a duplicate when another payment for the
// same plan by the same email, within 24 hours of it, ranks before it:
// payments an order of ours asked for (linked, or naming a public
// reference) rank first, then the earliest. So two payments nobody's order
// asked for (a customer who paid twice outside our checkout) serve the
// customer once, from the earliest, in the same run that flags the other;
// and a payment made outside our checkout never takes the place of one our
// checkout took. Only emails with two or more payments are compared.
var dupByEmail = `
	WITH candidate AS (
		SELECT rp.payment_intent_id, lower(rp.email) AS email, rp.plan_code, rp.created,
			(rp.order_id IS NULL AND rp.public_ref IS NULL) AS unasked
		FROM recon_payments rp
		WHERE ` + dupCandidate("rp") + `
			AND (lower(rp.email), rp.plan_code) IN (SELECT lower(c.email), c.plan_code FROM recon_payments c
				WHERE ` + dupCandidate("c") + ` GROUP BY 1, 2 HAVING count(*) > 1)
	), first AS (
		SELECT DISTINCT ON (x.payment_intent_id) x.payment_intent_id, y.payment_intent_id AS first
		FROM candidate x JOIN candidate y ON y.email = x.email AND y.plan_code = x.plan_code
			AND (y.unasked, y.created, y.payment_intent_id) < (x.unasked, x.created, x.payment_intent_id)
			AND x.created - y.created BETWEEN interval '-24 hours' AND interval '24 hours'
		ORDER BY x.payment_intent_id, y.unasked, y.created, y.payment_intent_id
	)
	UPDATE recon_payments p SET duplicate_of = f.first FROM first f
	WHERE p.run_id = {run} AND p.payment_intent_id = f.payment_intent_id`

// dupCandidate is a payment dupByEmail compares: settled, not refunded, not
// already a duplicate of its own order, with an email and a plan.
func dupCandidate(t string) string {
	return t + `.run_id = {run} AND ` + t + `.settled AND NOT ` + t + `.refunded AND ` + t + `.duplicate_of IS NULL
		AND ` + t + `.email IS NOT NULL AND ` + t + `.plan_code IS NOT NULL`
}

// askedBy names the order of ours that asked for a payment: the order it
// is linked to, else the public reference its metadata names (an order of
// ours whose row is gone, as after a restore). NULL for a payment made
// outside our checkout.
func askedBy(t string) string {
	return `(CASE WHEN ` + t + `.order_id IS NOT NULL THEN 'order:' || ` + t + `.order_id
		WHEN ` + t + `.public_ref IS NOT NULL THEN 'ref:' || ` + t + `.public_ref END)`
}

// servable says a payment may be served: it repeats no other payment, or
// the one it repeats was asked for by another order of ours (the customer
// bought twice through our checkout: each purchase is served, and the
// second is flagged all the same). d is the payment it repeats.
var servable = `(p.duplicate_of IS NULL OR ` + askedBy("p") + ` <> ` + askedBy("d") + `)`

var paymentEvidence = `jsonb_build_object(
	'payment', jsonb_build_object('payment_intent', p.payment_intent_id, 'charge', p.charge_id,
		'checkout_session', p.session_id, 'amount', p.amount, 'currency', p.currency, 'email', p.email,
		'created', p.created, 'refunded', p.refunded, 'disputed', p.disputed, 'duplicate_of', p.duplicate_of,
		'metadata', jsonb_build_object('order_id', p.order_ref, 'public_ref', p.public_ref, 'plan', p.plan)),
	'order', ` + orderEvidence + `,
	'duplicates', CASE WHEN d.payment_intent_id IS NULL THEN NULL ELSE jsonb_build_object(
		'payment_intent', d.payment_intent_id, 'charge', d.charge_id, 'checkout_session', d.session_id,
		'amount', d.amount, 'currency', d.currency, 'email', d.email, 'created', d.created,
		'order', ` + orderJSON("od") + `) END,
	'plan', CASE WHEN pl.code IS NULL THEN NULL ELSE jsonb_build_object('code', pl.code, 'amount', pl.amount, 'currency', pl.currency) END)`

const orderEvidence = `CASE WHEN o.id IS NULL THEN NULL ELSE jsonb_build_object(
		'id', o.id, 'public_ref', o.public_ref, 'email', o.email, 'plan', o.plan_code, 'amount', o.amount,
		'currency', o.currency, 'status', o.status, 'fulfilled_via', o.fulfilled_via, 'payment_intent', o.payment_intent_id,
		'paid_at', o.paid_at, 'fulfilled_at', o.fulfilled_at) END`

// orderJSON is orderEvidence for the order aliased t.
func orderJSON(t string) string { return strings.ReplaceAll(orderEvidence, "o.", t+".") }

const findingColumns = `INSERT INTO recon_findings (run_id, kind, subject, action, subject_at, order_id, email,
	payment_intent_id, charge_id, checkout_session_id, dispute_id, amount, currency, expected_amount,
	expected_currency, urgent, evidence_due_by, evidence) `

func paymentFinding(kind, action, where string) string {
	return findingColumns + `
		SELECT p.run_id, '` + kind + `', p.payment_intent_id, '` + action + `', p.created, o.id, COALESCE(p.email, o.email),
			p.payment_intent_id, p.charge_id, p.session_id, NULL, p.amount, p.currency, pl.amount, pl.currency,
			false, NULL, ` + paymentEvidence + `
		FROM recon_payments p
		LEFT JOIN orders o ON o.id = p.order_id
		LEFT JOIN plans pl ON pl.code = p.plan_code
		LEFT JOIN recon_payments d ON d.run_id = p.run_id AND d.payment_intent_id = p.duplicate_of
		LEFT JOIN orders od ON od.id = d.order_id
		WHERE p.run_id = {run} AND p.settled AND NOT p.refunded AND NOT p.disputed AND (` + where + `)
		ON CONFLICT DO NOTHING`
}

// statusFinding queues a payment the processor says went through and is
// neither refunded nor disputed (its charge listed, with no dispute) whose
// order we mark refunded or disputed: a status no processor fact confirms,
// as when an event's payload disagreed with the processor. Fulfill never
// serves such an order, so a person decides; access is left as it is. The
// evidence says what differs, and an order never served (the customer paid
// and has nothing) is urgent.
const statusFinding = findingColumns + `
	SELECT p.run_id, '` + billing.KindStatusMismatch + `', p.payment_intent_id, 'queue', p.created, o.id,
		COALESCE(p.email, o.email), p.payment_intent_id, p.charge_id, p.session_id, NULL, p.amount, p.currency,
		o.amount, o.currency, o.fulfilled_at IS NULL, NULL,
		jsonb_build_object(
			'differs', format('we mark order %s %s; the processor says charge %s is %s%s', o.public_ref, o.status, ch.id,
				CASE o.status WHEN 'refunded' THEN format('not refunded (%s of %s %s refunded)', ch.amount_refunded, ch.amount, ch.currency)
					ELSE 'not disputed (charge.disputed is false and no dispute is listed)' END,
				CASE WHEN o.fulfilled_at IS NULL THEN '; the order was never served: the customer paid and has no access' ELSE '' END),
			'ours', o.status,
			'processor', jsonb_build_object('charge', ch.id, 'status', ch.status, 'amount', ch.amount,
				'amount_refunded', ch.amount_refunded, 'refunded', ch.refunded, 'disputed', ch.disputed),
			'payment', jsonb_build_object('payment_intent', p.payment_intent_id, 'amount', p.amount, 'currency', p.currency,
				'created', p.created),
			'order', ` + orderEvidence + `)
	FROM recon_payments p
	JOIN orders o ON o.id = p.order_id
	JOIN recon_objects ch ON ch.run_id = p.run_id AND ch.object = 'charge' AND ch.id = p.charge_id
	WHERE p.run_id = {run} AND p.settled AND NOT p.refunded AND NOT p.disputed
		AND o.status IN ('` + billing.StatusRefunded + `', '` + billing.StatusDisputed + `')
	ON CONFLICT DO NOTHING`

// disputedFinding queues every dispute still open at the processor, urgent,
// with its evidence deadline, whatever our side says.
const disputedFinding = findingColumns + `
	SELECT d.run_id, '` + billing.KindDisputed + `', d.id, 'queue', d.created, o.id, COALESCE(o.email, p.email),
		d.payment_intent_id, d.charge_id, NULL, d.id, d.amount, d.currency, NULL, NULL, true, d.due_by,
		jsonb_build_object('dispute', jsonb_build_object('id', d.id, 'status', d.status, 'reason', d.reason,
			'amount', d.amount, 'currency', d.currency, 'evidence_due_by', d.due_by, 'created', d.created,
			'charge', d.charge_id, 'payment_intent', d.payment_intent_id), 'order', ` + orderEvidence + `)
	FROM recon_objects d
	LEFT JOIN recon_payments p ON p.run_id = d.run_id AND p.payment_intent_id = d.payment_intent_id
	LEFT JOIN orders o ON o.id = COALESCE(p.order_id,
		(SELECT id FROM orders WHERE payment_intent_id = d.payment_intent_id))
	WHERE d.run_id = {run} AND d.object = 'dispute'
		AND d.status IN ('warning_needs_response', 'needs_response', 'under_review', 'warning_under_review')
	ON CONFLICT DO NOTHING`

// refundedFinding queues a charge refunded in full (by the charge's own
// flag, or by the refunds listed adding up to the order's amount) whose
// order still grants access that has not run out.
const refundedFinding = findingColumns + `
	SELECT {run}, '` + billing.KindRefundedActive + `', c.charge_id, 'queue', c.at, o.id, o.email, o.payment_intent_id, c.charge_id,
		o.checkout_session_id, NULL, o.amount, o.currency, NULL, NULL, false, NULL,
		jsonb_build_object('refund', jsonb_build_object('charge', c.charge_id, 'refunded_total', c.total,
			'charge_refunded', c.full_flag, 'last_refund_at', c.at), 'order', ` + orderEvidence + `)
	FROM (
		SELECT charge_id, max(payment_intent_id) AS pi, sum(amount) AS total, bool_or(full_flag) AS full_flag,
			max(created) AS at
		FROM (
			SELECT id AS charge_id, payment_intent_id, 0 AS amount, refunded AS full_flag, created
			FROM recon_objects WHERE run_id = {run} AND object = 'charge' AND refunded
			UNION ALL
			SELECT charge_id, payment_intent_id, amount, false, created
			FROM recon_objects WHERE run_id = {run} AND object = 'refund' AND status IN ('succeeded', 'pending')
		) x GROUP BY charge_id
	) c
	JOIN orders o ON o.payment_intent_id = c.pi
	WHERE (c.full_flag OR c.total >= o.amount)
		AND EXISTS (SELECT 1 FROM entitlement_grants g
			JOIN entitlements e ON e.account_id = g.account_id AND e.plan_code = g.plan_code
			WHERE g.order_id = o.id AND e.valid_until > now())
	ON CONFLICT DO NOTHING`

// unpaidFinding queues an order we served, paid inside the window, for
// which the processor listed no succeeded payment. Access is never revoked
// automatically.
const unpaidFinding = findingColumns + `
	SELECT {run}, '` + billing.KindUnpaidFulfilled + `', 'order:' || o.id, 'queue', COALESCE(o.paid_at, o.created_at), o.id, o.email,
		o.payment_intent_id, o.charge_id, o.checkout_session_id, NULL, o.amount, o.currency, NULL, NULL, false, NULL,
		jsonb_build_object('order', ` + orderEvidence + `, 'processor', 'no succeeded payment listed in the window')
	FROM orders o
	WHERE o.status = 'fulfilled' AND COALESCE(o.paid_at, o.created_at) BETWEEN {from} AND {cutoff}
		AND NOT EXISTS (SELECT 1 FROM recon_payments p WHERE p.run_id = {run} AND p.order_id = o.id)
		AND NOT EXISTS (SELECT 1 FROM recon_payments p WHERE p.run_id = {run}
			AND p.payment_intent_id = o.payment_intent_id)
		AND NOT EXISTS (SELECT 1 FROM recon_objects s WHERE s.run_id = {run} AND s.object = 'session'
			AND s.id = o.checkout_session_id AND s.paid)
	ON CONFLICT DO NOTHING`

func expiredFinding(on string) string {
	return findingColumns + `
		SELECT s.run_id, '` + billing.KindExpiredPending + `', 'order:' || o.id, 'expire', s.created, o.id, o.email, NULL, NULL, s.id,
			NULL, o.amount, o.currency, NULL, NULL, false, NULL,
			jsonb_build_object('checkout_session', jsonb_build_object('id', s.id, 'status', s.status), 'order', ` + orderEvidence + `)
		FROM recon_objects s JOIN orders o ON ` + on + `
		WHERE s.run_id = {run} AND s.object = 'session' AND s.status = 'expired' AND o.status = 'pending'
			AND NOT EXISTS (SELECT 1 FROM recon_payments p WHERE p.run_id = {run} AND p.order_id = o.id)
		ON CONFLICT DO NOTHING`
}
