package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/backstophq/backstop/internal/billing"
)

// Subscription invoices in the sweep (DESIGN section 6): every invoice the
// window listed is staged in recon_invoices; ClassifyInvoices turns each
// paid renewal that no invoice_grants row serves into a finding of kind
// unserved_renewal, to heal when it names an order of ours and to queue
// for a person when it does not.

const copyInvoices = `COPY recon_invoices (run_id, id, subscription_id, billing_reason, paid, amount, currency,
	email, payment_intent_id, charge_id, public_ref, created, doc) FROM STDIN`

// StageInvoices copies one batch of listed invoices for a run into staging.
func (s *Store) StageInvoices(ctx context.Context, runID int64, ins []billing.Invoice) error {
	if len(ins) == 0 {
		return nil
	}
	docs := make([]string, len(ins))
	for i, in := range ins {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("stage invoice %s: %w", in.ID, err)
		}
		docs[i] = string(b)
	}
	err := s.copyIn(ctx, copyInvoices, len(ins), func(l copyLine, i int) copyLine {
		in := &ins[i]
		amount := in.AmountPaid
		if !in.Paid {
			amount = in.AmountDue
		}
		return l.int(runID).text(in.ID).text(in.SubscriptionID).text(in.BillingReason).bool(in.Paid).int(amount).
			text(in.Currency).null(in.Email).null(in.PaymentIntentID).null(in.ChargeID).
			null(in.SubscriptionMetadata[billing.MetaPublicRef]).time(in.Created).text(docs[i])
	})
	if err != nil {
		return fmt.Errorf("stage %d invoices: %w", len(ins), mapErr(err))
	}
	return nil
}

// ClassifyInvoices writes a run's unserved_renewal findings in one
// statement: paid invoices other than a subscription's first (the purchase,
// served as its order) that have no grant. The order is the one the
// invoice's subscription metadata names by public reference, or the one
// our subscriptions row ties it to; with an order the finding is healed,
// without one it is queued.
func (s *Store) ClassifyInvoices(ctx context.Context, runID int64) error {
	const q = `
		INSERT INTO recon_findings (run_id, kind, subject, action, subject_at, order_id, email,
			payment_intent_id, charge_id, amount, currency, evidence)
		SELECT i.run_id, $2, 'invoice:' || i.id, CASE WHEN o.id IS NULL THEN 'queue' ELSE 'heal' END,
			i.created, o.id, COALESCE(o.email, i.email), i.payment_intent_id, i.charge_id, i.amount, i.currency,
			jsonb_build_object('invoice', i.id, 'subscription', i.subscription_id, 'billing_reason', i.billing_reason)
		FROM recon_invoices i
		LEFT JOIN LATERAL (
			SELECT o.id, o.email FROM orders o
			WHERE o.public_ref = i.public_ref
				OR o.id = (SELECT sub.order_id FROM subscriptions sub WHERE sub.id = i.subscription_id)
			ORDER BY o.public_ref = i.public_ref DESC LIMIT 1
		) o ON true
		WHERE i.run_id = $1 AND i.paid AND i.billing_reason <> 'subscription_create'
			AND NOT EXISTS (SELECT 1 FROM invoice_grants g WHERE g.invoice_id = i.id)
		ON CONFLICT (run_id, kind, subject) DO NOTHING`
	if _, err := s.db.ExecContext(ctx, q, runID, billing.KindUnservedRenewal); err != nil {
		return fmt.Errorf("classify invoices: %w", mapErr(err))
	}
	return nil
}

// InvoiceHeal is one renewal the sweep hands to billing's Fulfill: the
// finding's subject and the invoice as the processor listed it.
type InvoiceHeal struct {
	Kind    string
	Subject string
	Invoice billing.Invoice
}

// InvoiceHealItems returns up to limit of a run's renewals to heal, after
// the given subject in key order.
func (s *Store) InvoiceHealItems(ctx context.Context, runID int64, afterSubject string, limit int) ([]InvoiceHeal, error) {
	const q = `
		SELECT DISTINCT ON (f.subject) f.kind, f.subject, i.doc
		FROM recon_findings f JOIN recon_invoices i ON i.run_id = f.run_id AND 'invoice:' || i.id = f.subject
		WHERE f.run_id = $1 AND f.kind = $2 AND f.action = 'heal' AND f.subject > $3
		ORDER BY f.subject LIMIT $4`
	rows, err := s.db.QueryContext(ctx, q, runID, billing.KindUnservedRenewal, afterSubject, limit)
	if err != nil {
		return nil, fmt.Errorf("invoice heal items: %w", mapErr(err))
	}
	defer rows.Close()
	var out []InvoiceHeal
	for rows.Next() {
		var h InvoiceHeal
		var doc []byte
		if err := rows.Scan(&h.Kind, &h.Subject, &doc); err != nil {
			return nil, fmt.Errorf("scan invoice heal item: %w", err)
		}
		if err := json.Unmarshal(doc, &h.Invoice); err != nil {
			return nil, fmt.Errorf("read staged invoice %s: %w", h.Subject, err)
		}
		out = append(out, h)
	}
	return out, mapErr(rows.Err())
}
