package store

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/billing"
)

// UpsertSubscription stores a subscription's latest facts; the order and
// account it belongs to are set once.
func (t *Tx) UpsertSubscription(ctx context.Context, r billing.SubscriptionRecord) error {
	const q = `
		INSERT INTO subscriptions (id, order_id, account_id, email, plan_code, status,
			current_period_start, current_period_end, cancel_at_period_end, ended_at)
		VALUES (:id, :order_id, :account_id, :email, :plan_code, :status,
			:current_period_start, :current_period_end, :cancel_at_period_end, :ended_at)
		ON CONFLICT (id) DO UPDATE SET
			account_id = COALESCE(subscriptions.account_id, EXCLUDED.account_id),
			status = EXCLUDED.status,
			current_period_start = EXCLUDED.current_period_start,
			current_period_end = EXCLUDED.current_period_end,
			cancel_at_period_end = EXCLUDED.cancel_at_period_end,
			ended_at = EXCLUDED.ended_at,
			updated_at = now()`
	if _, err := t.NamedExecContext(ctx, q, r); err != nil {
		return fmt.Errorf("upsert subscription %s: %w", r.ID, mapErr(err))
	}
	return nil
}

// LockInvoice stores the invoice's latest facts, locks its row, and reports
// whether it was granted.
func (t *Tx) LockInvoice(ctx context.Context, r billing.InvoiceRecord) (bool, error) {
	const q = `
		INSERT INTO invoices (id, subscription_id, status, billing_reason, amount, currency,
			period_start, period_end, hosted_invoice_url, payment_intent_id, charge_id, paid_at, created_at)
		VALUES (:id, :subscription_id, :status, :billing_reason, :amount, :currency,
			:period_start, :period_end, :hosted_invoice_url, NULLIF(:payment_intent_id, ''), NULLIF(:charge_id, ''),
			:paid_at, :created_at)
		ON CONFLICT (id) DO UPDATE SET
			status = EXCLUDED.status, amount = EXCLUDED.amount,
			period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
			hosted_invoice_url = EXCLUDED.hosted_invoice_url,
			payment_intent_id = COALESCE(EXCLUDED.payment_intent_id, invoices.payment_intent_id),
			charge_id = COALESCE(EXCLUDED.charge_id, invoices.charge_id),
			paid_at = COALESCE(EXCLUDED.paid_at, invoices.paid_at), updated_at = now()`
	if _, err := t.NamedExecContext(ctx, q, r); err != nil {
		return false, fmt.Errorf("store invoice %s: %w", r.ID, mapErr(err))
	}
	const lock = `
		SELECT EXISTS (SELECT 1 FROM invoice_grants g WHERE g.invoice_id = i.id)
		FROM invoices i WHERE i.id = $1 FOR UPDATE OF i`
	var granted bool
	if err := t.GetContext(ctx, &granted, lock, r.ID); err != nil {
		return false, fmt.Errorf("lock invoice %s: %w", r.ID, mapErr(err))
	}
	return granted, nil
}

// FindChargeInvoice returns the invoice a charge paid and its
// subscription's order, by the invoice it names, else its payment or
// itself (a union of index lookups, as orderHoldingKeyOrRef); NotFound when
// it paid none of ours.
func (t *Tx) FindChargeInvoice(ctx context.Context, ch billing.Charge) (billing.InvoiceRecord, int64, error) {
	var row struct {
		billing.InvoiceRecord
		OrderID int64 `db:"order_id"`
	}
	if err := t.GetContext(ctx, &row, chargeInvoice, ch.InvoiceID, ch.PaymentIntentID, ch.ID); err != nil {
		return billing.InvoiceRecord{}, 0, fmt.Errorf("invoice of charge %s: %w", ch.ID, mapErr(err))
	}
	return row.InvoiceRecord, row.OrderID, nil
}

const chargeInvoice = `
	SELECT i.id, i.subscription_id, i.status, i.billing_reason, i.amount, i.currency, i.period_start,
		i.period_end, i.hosted_invoice_url, COALESCE(i.payment_intent_id, '') AS payment_intent_id,
		COALESCE(i.charge_id, '') AS charge_id, i.paid_at, i.created_at,
		(SELECT s.order_id FROM subscriptions s WHERE s.id = i.subscription_id) AS order_id
	FROM (
		SELECT *, 1 AS strength FROM invoices WHERE id = $1
		UNION ALL SELECT *, 2 FROM invoices WHERE payment_intent_id = $2
		UNION ALL SELECT *, 3 FROM invoices WHERE charge_id = $3
	) i
	ORDER BY i.strength, i.id LIMIT 1`

// GrantInvoice records the invoice's one grant and, when asked, raises the
// entitlement to its period's end.
func (t *Tx) GrantInvoice(ctx context.Context, g billing.InvoiceGrant) (time.Time, error) {
	until := g.Until
	if g.Extend {
		var err error
		if until, err = t.keepAccess(ctx, g.AccountID, g.PlanCode, g.OrderID, g.Until); err != nil {
			return time.Time{}, err
		}
	}
	const q = `
		INSERT INTO invoice_grants (invoice_id, subscription_id, account_id, plan_code, valid_until, granted_via)
		VALUES ($1, $2, $3, $4, $5, $6)`
	if err := t.exec(ctx, "grant invoice", q, g.InvoiceID, g.SubscriptionID, g.AccountID, g.PlanCode, g.Until.UTC(), string(g.Via)); err != nil {
		return time.Time{}, err
	}
	return until, nil
}

// KeepAccessUntil raises the entitlement to at least until.
func (t *Tx) KeepAccessUntil(ctx context.Context, accountID int64, planCode string, until time.Time) (time.Time, error) {
	return t.keepAccess(ctx, accountID, planCode, 0, until)
}

// keepAccess raises (never lowers) the account's entitlement to the plan to
// at least until; orderID names the order for a new entitlement row.
func (t *Tx) keepAccess(ctx context.Context, accountID int64, planCode string, orderID int64, until time.Time) (time.Time, error) {
	const q = `
		UPDATE entitlements SET valid_until = GREATEST(valid_until, $3), updated_at = now()
		WHERE account_id = $1 AND plan_code = $2
		RETURNING valid_until`
	var end time.Time
	err := t.GetContext(ctx, &end, q, accountID, planCode, until.UTC())
	if err == nil || orderID == 0 {
		if err != nil {
			return time.Time{}, fmt.Errorf("keep access: %w", mapErr(err))
		}
		return end, nil
	}
	const ins = `
		INSERT INTO entitlements (account_id, plan_code, valid_until, order_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, plan_code) DO UPDATE SET valid_until = GREATEST(entitlements.valid_until, EXCLUDED.valid_until)
		RETURNING valid_until`
	if err := t.GetContext(ctx, &end, ins, accountID, planCode, until.UTC(), orderID); err != nil {
		return time.Time{}, fmt.Errorf("keep access: %w", mapErr(err))
	}
	return end, nil
}
