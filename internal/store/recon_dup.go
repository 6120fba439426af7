package store

// dupByOrder marks every settled, unrefunded payment of an order but one as
// a duplicate: the one the order recorded, else the earliest. Only orders
// with a payment to examine can have two (the payment an order recorded
// and served is the one kept), so only those are compared.
var dupByOrder = markDuplicates(`
	SELECT payment_intent_id, first FROM (
		SELECT rp.payment_intent_id, first_value(rp.payment_intent_id) OVER w AS first, row_number() OVER w AS n
		FROM recon_payments rp LEFT JOIN orders o ON o.id = rp.order_id
		WHERE rp.run_id = {run} AND rp.settled AND NOT rp.refunded
			AND rp.order_id IN (SELECT e.order_id FROM recon_payments e WHERE e.run_id = {run} AND e.examine)
		WINDOW w AS (PARTITION BY rp.order_id
			ORDER BY COALESCE(rp.payment_intent_id = o.payment_intent_id, false) DESC, rp.created, rp.payment_intent_id)
	) d WHERE n > 1`)

// markDuplicates marks each payment the query pairs (columns
// payment_intent_id, first) as a duplicate of the first one it repeats.
func markDuplicates(pairs string) string {
	return `
	UPDATE recon_payments p SET duplicate_of = pair.first, examine = true FROM (` + pairs + `) pair
	WHERE p.run_id = {run} AND p.payment_intent_id = pair.payment_intent_id`
}

// examineRepeated marks the payments duplicates repeat as to examine too:
// a duplicate's finding shows the payment it repeats.
const examineRepeated = `
	UPDATE recon_payments p SET examine = true FROM recon_payments d
	WHERE p.run_id = {run} AND NOT p.examine AND d.run_id = {run} AND d.examine AND d.duplicate_of IS NOT NULL
		AND p.payment_intent_id = d.duplicate_of`

// dupByEmail marks a payment as a duplicate when another payment for the
// same plan by the same email, within 24 hours of it, ranks before it:
// payments an order of ours asked for (linked, or naming a public
// reference) rank first, then the earliest. So two payments nobody's order
// asked for (a customer who paid twice outside our checkout) serve the
// customer once, from the earliest, in the same run that flags the other;
// and a payment made outside our checkout never takes the place of one our
// checkout took. Only emails with two or more payments are compared.
var dupByEmail = markDuplicates(`
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
	SELECT payment_intent_id, first FROM first`)

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
