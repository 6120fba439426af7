package invariant

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lib/pq"
)

// paymentsServedOnce: every succeeded, unrefunded payment has exactly one
// served order, unless an open mismatch (on the payment or its order) says
// why a person must look at it.
func paymentsServedOnce(ctx context.Context, src Sources, f facts) ([]Violation, error) {
	const q = `
		SELECT p.pi, count(o.id) FILTER (WHERE o.fulfilled_at IS NOT NULL) AS served,
			COALESCE(string_agg(o.status, ','), '') AS statuses,
			COALESCE((SELECT string_agg(m.kind, ',') FROM mismatches m
				WHERE m.status = 'open' AND (m.payment_intent_id = p.pi OR m.order_id IN
					(SELECT id FROM orders WHERE payment_intent_id = p.pi))), '') AS open_kinds
		FROM unnest(CAST($1 AS text[])) AS p(pi)
		LEFT JOIN orders o ON o.payment_intent_id = p.pi
		GROUP BY p.pi
		HAVING count(o.id) FILTER (WHERE o.fulfilled_at IS NOT NULL) <> 1
		ORDER BY p.pi`
	var rows []struct {
		PI        string `db:"pi"`
		Served    int    `db:"served"`
		Statuses  string `db:"statuses"`
		OpenKinds string `db:"open_kinds"`
	}
	if err := src.DB.SelectContext(ctx, &rows, q, pq.Array(ids(f.payments, true))); err != nil {
		return nil, fmt.Errorf("payments served once: %w", err)
	}
	var out []Violation
	for _, r := range rows {
		if r.Served == 0 && r.OpenKinds != "" {
			continue // a person has it, and the queue says why
		}
		orders := r.Statuses
		if orders == "" {
			orders = "no order"
		}
		out = append(out, violation("payment_served_once", r.PI,
			"succeeded and not refunded, served by %d orders (orders: %s; open mismatches: %q)", r.Served, orders, r.OpenKinds))
	}
	return out, nil
}

// servedWithoutPayment: no order is served unless the processor shows its
// payment succeeded (refunded later or not).
func servedWithoutPayment(ctx context.Context, src Sources, f facts) ([]Violation, error) {
	const q = `
		SELECT id, public_ref, status, COALESCE(payment_intent_id, '') AS pi
		FROM orders
		WHERE fulfilled_at IS NOT NULL AND (payment_intent_id IS NULL OR NOT payment_intent_id = ANY(CAST($1 AS text[])))
		ORDER BY id`
	var rows []struct {
		ID     int64  `db:"id"`
		Ref    string `db:"public_ref"`
		Status string `db:"status"`
		PI     string `db:"pi"`
	}
	if err := src.DB.SelectContext(ctx, &rows, q, pq.Array(ids(f.payments, false))); err != nil {
		return nil, fmt.Errorf("served without payment: %w", err)
	}
	var out []Violation
	for _, r := range rows {
		out = append(out, violation("served_without_payment", orderSubject(r.ID, r.Ref),
			"served (status %s) but the processor has no succeeded payment %q", r.Status, r.PI))
	}
	return out, nil
}

// grantedOnce: one grant per payment, and a grant for every served order.
func grantedOnce(ctx context.Context, src Sources, _ facts) ([]Violation, error) {
	const twice = `
		SELECT o.payment_intent_id AS pi, count(*) AS grants, string_agg(CAST(o.id AS text), ',') AS orders
		FROM entitlement_grants g JOIN orders o ON o.id = g.order_id
		WHERE o.payment_intent_id IS NOT NULL
		GROUP BY o.payment_intent_id HAVING count(*) > 1
		ORDER BY 1`
	var dup []struct {
		PI     string `db:"pi"`
		Grants int    `db:"grants"`
		Orders string `db:"orders"`
	}
	if err := src.DB.SelectContext(ctx, &dup, twice); err != nil {
		return nil, fmt.Errorf("granted twice: %w", err)
	}
	var out []Violation
	for _, d := range dup {
		out = append(out, violation("period_granted_once", d.PI, "%d periods granted for one payment (orders %s)", d.Grants, d.Orders))
	}
	const missing = `
		SELECT o.id, o.public_ref FROM orders o
		WHERE o.fulfilled_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entitlement_grants g WHERE g.order_id = o.id)
		ORDER BY o.id`
	var none []struct {
		ID  int64  `db:"id"`
		Ref string `db:"public_ref"`
	}
	if err := src.DB.SelectContext(ctx, &none, missing); err != nil {
		return nil, fmt.Errorf("served without grant: %w", err)
	}
	for _, n := range none {
		out = append(out, violation("period_granted_once", orderSubject(n.ID, n.Ref), "served but no period was granted"))
	}
	return out, nil
}

// renewalsGrantedOnce: every renewal invoice the processor shows paid is
// granted exactly once, unless an open mismatch about it says why a person
// must look; no invoice is granted that the processor does not show paid.
func renewalsGrantedOnce(ctx context.Context, src Sources, f facts) ([]Violation, error) {
	paid, renewals := []string{}, []string{}
	for _, in := range f.invoices {
		if in.Paid {
			paid = append(paid, in.ID)
			if in.renewal() {
				renewals = append(renewals, in.ID)
			}
		}
	}
	const q = `
		SELECT r.id, count(g.invoice_id) AS grants,
			COALESCE((SELECT string_agg(m.kind, ',') FROM mismatches m
				WHERE m.status = 'open' AND m.subject = 'invoice:' || r.id), '') AS open_kinds
		FROM unnest(CAST($1 AS text[])) AS r(id)
		LEFT JOIN invoice_grants g ON g.invoice_id = r.id
		GROUP BY r.id
		HAVING count(g.invoice_id) <> 1
		ORDER BY r.id`
	var rows []struct {
		ID        string `db:"id"`
		Grants    int    `db:"grants"`
		OpenKinds string `db:"open_kinds"`
	}
	if err := src.DB.SelectContext(ctx, &rows, q, pq.Array(renewals)); err != nil {
		return nil, fmt.Errorf("renewals granted once: %w", err)
	}
	var out []Violation
	for _, r := range rows {
		if r.Grants == 0 && r.OpenKinds != "" {
			continue // a person has it
		}
		out = append(out, violation("renewal_granted_once", r.ID, "paid at the processor, granted %d times (open mismatches: %q)", r.Grants, r.OpenKinds))
	}
	const unpaid = `
		SELECT invoice_id FROM invoice_grants
		WHERE NOT invoice_id = ANY(CAST($1 AS text[]))
		ORDER BY invoice_id`
	var granted []string
	if err := src.DB.SelectContext(ctx, &granted, unpaid, pq.Array(paid)); err != nil {
		return nil, fmt.Errorf("granted unpaid invoices: %w", err)
	}
	for _, id := range granted {
		out = append(out, violation("renewal_granted_once", id, "granted, but the processor does not show it paid"))
	}
	return out, nil
}

// emailedOnce: each served order has one confirmation-or-recovery email,
// sent; in the mailbox it arrived once, or twice with the same Message-ID.
func emailedOnce(ctx context.Context, src Sources, _ facts) ([]Violation, error) {
	const q = `
		SELECT o.id, o.public_ref, count(m.id) AS emails,
			COALESCE(min(m.message_id), '') AS message_id,
			COALESCE(string_agg(m.template || '=' || m.status, ','), '') AS states
		FROM orders o
		LEFT JOIN email_messages m ON m.order_id = o.id AND m.template IN ('order_confirmation', 'delayed_fulfillment')
		WHERE o.fulfilled_at IS NOT NULL
		GROUP BY o.id, o.public_ref
		ORDER BY o.id`
	var rows []struct {
		ID        int64  `db:"id"`
		Ref       string `db:"public_ref"`
		Emails    int    `db:"emails"`
		MessageID string `db:"message_id"`
		States    string `db:"states"`
	}
	if err := src.DB.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("emailed once: %w", err)
	}
	var copies map[string]int
	if src.Mailbox != nil {
		var err error
		if copies, err = src.Mailbox.copies(ctx); err != nil {
			return nil, err
		}
	}
	var out []Violation
	for _, r := range rows {
		subject := orderSubject(r.ID, r.Ref)
		switch {
		case r.Emails != 1:
			out = append(out, violation("emailed_once", subject, "%d confirmation or recovery emails queued (%s), want 1", r.Emails, r.States))
		case r.States != "order_confirmation=sent" && r.States != "delayed_fulfillment=sent":
			out = append(out, violation("emailed_once", subject, "its email is not sent: %s", r.States))
		case copies != nil && (copies[trimID(r.MessageID)] < 1 || copies[trimID(r.MessageID)] > 2):
			out = append(out, violation("emailed_once", subject, "the mailbox holds %d copies of Message-ID %s, want 1 (2 after a crash in the send window)",
				copies[trimID(r.MessageID)], r.MessageID))
		}
	}
	return out, nil
}

// eventsAccountedFor: a stored processor event is processed, or says why not.
func eventsAccountedFor(ctx context.Context, src Sources, _ facts) ([]Violation, error) {
	const q = `
		SELECT id, type, attempts FROM processor_events
		WHERE processed_at IS NULL AND COALESCE(last_error, '') = ''
		ORDER BY received_at`
	var rows []struct {
		ID       string `db:"id"`
		Type     string `db:"type"`
		Attempts int    `db:"attempts"`
	}
	if err := src.DB.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("events accounted for: %w", err)
	}
	var out []Violation
	for _, r := range rows {
		out = append(out, violation("event_accounted_for", r.ID, "%s stored, not processed, no error recorded (%d attempts)", r.Type, r.Attempts))
	}
	return out, nil
}

// noRunningJobs: no River job is left "running" (a job whose process died
// stays so until River's rescuer moves it on).
func noRunningJobs(ctx context.Context, src Sources, _ facts) ([]Violation, error) {
	const q = `SELECT id, kind, attempt FROM river_job WHERE state = 'running' ORDER BY id`
	var rows []struct {
		ID      int64  `db:"id"`
		Kind    string `db:"kind"`
		Attempt int    `db:"attempt"`
	}
	if err := src.DB.SelectContext(ctx, &rows, q); err != nil {
		return nil, fmt.Errorf("running jobs: %w", err)
	}
	var out []Violation
	for _, r := range rows {
		out = append(out, violation("no_running_job", "job "+strconv.FormatInt(r.ID, 10), "%s still running (attempt %d)", r.Kind, r.Attempt))
	}
	return out, nil
}

func orderSubject(id int64, ref string) string {
	return "order " + strconv.FormatInt(id, 10) + " (" + ref + ")"
}
