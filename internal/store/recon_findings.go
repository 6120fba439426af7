package store

import (
	"strings"

	"github.com/backstophq/backstop/internal/billing"
)

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
		LEFT JOIN recon_payments d ON d.run_id = p.run_id AND d.examine AND d.payment_intent_id = p.duplicate_of
		LEFT JOIN orders od ON od.id = d.order_id
		WHERE p.run_id = {run} AND p.examine AND p.settled AND NOT p.refunded AND NOT p.disputed AND (` + where + `)
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
			'differs', format('we mark order %s %s; the processor says charge %s is %s%s', o.public_ref, o.status, p.charge_id,
				CASE o.status WHEN 'refunded' THEN format('not refunded (%s of %s %s refunded)', p.amount_refunded, p.amount, p.currency)
					ELSE 'not disputed (charge.disputed is false and no dispute is listed)' END,
				CASE WHEN o.fulfilled_at IS NULL THEN '; the order was never served: the customer paid and has no access' ELSE '' END),
			'ours', o.status,
			'processor', jsonb_build_object('charge', p.charge_id, 'charge_status', p.charge_status,
				'amount', p.amount, 'amount_refunded', p.amount_refunded, 'refunded', p.refunded, 'disputed', p.disputed),
			'payment', jsonb_build_object('payment_intent', p.payment_intent_id, 'amount', p.amount, 'currency', p.currency,
				'created', p.created),
			'order', ` + orderEvidence + `)
	FROM recon_payments p
	JOIN orders o ON o.id = p.order_id
	WHERE p.run_id = {run} AND p.examine AND p.settled AND NOT p.refunded AND NOT p.disputed
		AND p.charge_status IS NOT NULL AND o.status IN ('` + billing.StatusRefunded + `', '` + billing.StatusDisputed + `')
	ON CONFLICT DO NOTHING`

// disputedFinding queues every dispute still open at the processor, urgent,
// with its evidence deadline, whatever our side says.
var disputedFinding = findingColumns + `
	SELECT d.run_id, '` + billing.KindDisputed + `', d.id, 'queue', t.created, o.id, COALESCE(o.email, p.email),
		d.payment_intent_id, d.charge_id, NULL, d.id, d.amount, d.currency, NULL, NULL, true, t.due_by,
		jsonb_build_object('dispute', jsonb_build_object('id', d.id, 'status', d.status, 'reason', d.reason,
			'amount', d.amount, 'currency', d.currency, 'evidence_due_by', t.due_by, 'created', t.created,
			'charge', d.charge_id, 'payment_intent', d.payment_intent_id), 'order', ` + orderEvidence + `)
	FROM recon_objects d
	CROSS JOIN LATERAL (SELECT ` + stagedTime("d.created_us") + ` AS created, ` + stagedTime("d.due_by_us") + ` AS due_by) t
	LEFT JOIN recon_payments p ON p.run_id = d.run_id AND p.examine AND p.payment_intent_id = d.payment_intent_id
	LEFT JOIN orders o ON o.id = COALESCE(p.order_id,
		(SELECT id FROM orders WHERE payment_intent_id = d.payment_intent_id))
	WHERE d.run_id = {run} AND d.object = 'dispute'
		AND d.status IN ('warning_needs_response', 'needs_response', 'under_review', 'warning_under_review', 'lost')
	ON CONFLICT DO NOTHING`

// refundedFinding queues a charge refunded in full (by the charge's own
// flag, on its row or its payment intent's, or by the refunds listed adding
// up to what it paid) whose order still grants access that has not run out.
// The charge paid an order (a first invoice's payment intent is its
// order's), or else a renewal invoice of that order's subscription (then what it paid is the
// invoice's amount, and the evidence names the invoice).
var refundedFinding = findingColumns + `
	SELECT {run}, '` + billing.KindRefundedActive + `', c.charge_id, 'queue', c.at, o.id, o.email, c.pi, c.charge_id,
		o.checkout_session_id, NULL, paid.amount, o.currency, NULL, NULL, false, NULL,
		jsonb_build_object('refund', jsonb_build_object('charge', c.charge_id, 'refunded_total', c.total,
			'charge_refunded', c.full_flag, 'last_refund_at', c.at), 'order', ` + orderEvidence + `)
		|| CASE WHEN paid.invoice_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('invoice', jsonb_build_object(
			'id', paid.invoice_id, 'subscription', paid.subscription_id, 'amount', paid.amount,
			'period_start', paid.period_start, 'period_end', paid.period_end)) END
	FROM (
		SELECT charge_id, max(payment_intent_id) AS pi, sum(amount) AS total, bool_or(full_flag) AS full_flag,
			` + stagedTime("max(created_us)") + ` AS at
		FROM (
			SELECT id AS charge_id, payment_intent_id, 0 AS amount, refunded AS full_flag, created_us
			FROM recon_objects WHERE run_id = {run} AND object = 'charge' AND refunded
			UNION ALL
			SELECT charge_id, payment_intent_id, 0, true, charge_created_us
			FROM recon_objects WHERE run_id = {run} AND object = 'payment_intent' AND charge_refunded
			UNION ALL
			SELECT charge_id, payment_intent_id, amount, false, created_us
			FROM recon_objects WHERE run_id = {run} AND object = 'refund' AND status IN ('succeeded', 'pending')
		) x GROUP BY charge_id
	) c
	CROSS JOIN LATERAL (
		SELECT po.id AS order_id, po.amount, NULL::text AS invoice_id, NULL::text AS subscription_id,
			NULL::timestamptz AS period_start, NULL::timestamptz AS period_end
		FROM orders po WHERE po.payment_intent_id = c.pi
		UNION ALL
		SELECT s.order_id, i.amount, i.id, i.subscription_id, i.period_start, i.period_end
		FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
		WHERE i.payment_intent_id = c.pi
		ORDER BY invoice_id NULLS FIRST LIMIT 1
	) paid
	JOIN orders o ON o.id = paid.order_id
	WHERE (c.full_flag OR c.total >= paid.amount)
		AND EXISTS (SELECT 1 FROM entitlement_grants g
			JOIN entitlements e ON e.account_id = g.account_id AND e.plan_code = g.plan_code
			WHERE g.order_id = o.id AND e.valid_until > now())
	ON CONFLICT DO NOTHING`

// unpaidFinding queues an order we served, paid inside the window, for
// which the processor listed no succeeded payment. Access is never revoked
// automatically. The checks against what was listed are anti-joins or
// NOT IN over a hashed set, never a scan per order: the planner expects
// few orders to survive the first and would otherwise nest a scan of the
// sessions under each.
const unpaidFinding = findingColumns + `
	SELECT {run}, '` + billing.KindUnpaidFulfilled + `', 'order:' || o.id, 'queue', COALESCE(o.paid_at, o.created_at), o.id, o.email,
		o.payment_intent_id, o.charge_id, o.checkout_session_id, NULL, o.amount, o.currency, NULL, NULL, false, NULL,
		jsonb_build_object('order', ` + orderEvidence + `, 'processor', 'no succeeded payment listed in the window')
	FROM orders o
	WHERE o.status = 'fulfilled' AND COALESCE(o.paid_at, o.created_at) BETWEEN {from} AND {cutoff}
		AND NOT EXISTS (SELECT 1 FROM recon_payments p WHERE p.run_id = {run} AND p.order_id = o.id)
		AND NOT EXISTS (SELECT 1 FROM recon_payments p WHERE p.run_id = {run} AND p.examine
			AND p.payment_intent_id = o.payment_intent_id)
		AND (o.checkout_session_id IS NULL OR o.checkout_session_id NOT IN (SELECT s.id FROM recon_objects s
			WHERE s.run_id = {run} AND s.object = 'session' AND s.paid))
	ON CONFLICT DO NOTHING`

func expiredFinding(on string) string {
	return findingColumns + `
		SELECT s.run_id, '` + billing.KindExpiredPending + `', 'order:' || o.id, 'expire', ` + stagedTime("s.created_us") + `, o.id, o.email, NULL, NULL, s.id,
			NULL, o.amount, o.currency, NULL, NULL, false, NULL,
			jsonb_build_object('checkout_session', jsonb_build_object('id', s.id, 'status', s.status), 'order', ` + orderEvidence + `)
		FROM recon_objects s JOIN orders o ON ` + on + `
		WHERE s.run_id = {run} AND s.object = 'session' AND s.status = 'expired' AND o.status = 'pending'
			AND o.id NOT IN (SELECT p.order_id FROM recon_payments p
				WHERE p.run_id = {run} AND p.examine AND p.order_id IS NOT NULL)
		ON CONFLICT DO NOTHING`
}
