package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
)

// orderColumns reads an order into billing.Order; nullable ids read as "".
const orderColumns = `
	id, public_ref, email, plan_code, amount, currency, status, idempotency_key,
	COALESCE(checkout_session_id, '') AS checkout_session_id,
	COALESCE(payment_intent_id, '') AS payment_intent_id,
	COALESCE(charge_id, '') AS charge_id,
	account_id, COALESCE(fulfilled_via, '') AS fulfilled_via,
	paid_at, fulfilled_at, created_at, updated_at`

// InsertOrder inserts o, or returns the order that already holds its
// idempotency key or public reference: a double submit or a racing rebuild
// gets the one order, never a second.
func (t *Tx) InsertOrder(ctx context.Context, o billing.Order) (billing.Order, error) {
	const ins = `
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT DO NOTHING
		RETURNING ` + orderColumns
	var out billing.Order
	err := t.GetContext(ctx, &out, ins, o.PublicRef, o.Email, o.PlanCode, o.Amount, o.Currency, o.Status, o.IdempotencyKey)
	if err == nil {
		return out, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return billing.Order{}, fmt.Errorf("insert order: %w", mapErr(err))
	}
	if err := t.GetContext(ctx, &out, orderHoldingKeyOrRef, o.IdempotencyKey, o.PublicRef); err != nil {
		return billing.Order{}, fmt.Errorf("read the order holding the key: %w", mapErr(err))
	}
	return out, nil
}

// The order lookups below by one of several links are a union of one
// unique-index lookup per link rather than one scan with OR: kept
// prepared, a statement runs on a plan made when the table was small, and
// for the OR form that plan can be a scan of every order, read on each
// checkout however large the table has grown since. Each branch of a union
// keeps its index at any size (TestOrderLookupsKeepTheirIndexes).
const orderHoldingKeyOrRef = `
	SELECT ` + orderColumns + ` FROM orders WHERE idempotency_key = $1
	UNION ALL
	SELECT ` + orderColumns + ` FROM orders WHERE public_ref = $2
	ORDER BY id LIMIT 1`

// FindOrderForPayment finds the order a payment belongs to by the links it
// carries, strongest first: public reference, checkout session, payment
// intent, and the order id. The id alone is trusted only when the payment
// names no public reference: after a database is restored from an older
// backup, ids are handed out again to other customers' orders, while
// references never repeat.
func (t *Tx) FindOrderForPayment(ctx context.Context, p billing.PaidCheckout) (int64, error) {
	var id int64
	err := t.GetContext(ctx, &id, findOrderForPayment, p.OrderID, nonEmpty(p.PublicRef), nonEmpty(p.SessionID), nonEmpty(p.PaymentIntentID))
	if err != nil {
		return 0, fmt.Errorf("find order for payment %s: %w", p.PaymentIntentID, mapErr(err))
	}
	return id, nil
}

const findOrderForPayment = `
	SELECT id FROM (
		SELECT id, 1 AS strength FROM orders WHERE public_ref = $2
		UNION ALL SELECT id, 2 FROM orders WHERE checkout_session_id = $3
		UNION ALL SELECT id, 3 FROM orders WHERE payment_intent_id = $4
		UNION ALL SELECT id, 4 FROM orders WHERE id = $1 AND $2::text IS NULL
	) linked
	ORDER BY strength, id
	LIMIT 1`

// LockOrderForPayment is FindOrderForPayment and LockOrder in one
// statement: the order the payment belongs to, read FOR UPDATE. The lock
// returns the row's latest version, as LockOrder after the find would;
// NotFound when no order matches.
func (t *Tx) LockOrderForPayment(ctx context.Context, p billing.PaidCheckout) (billing.Order, error) {
	q := `SELECT ` + orderColumns + ` FROM orders WHERE id = (` + findOrderForPayment + `) FOR UPDATE`
	var o billing.Order
	err := t.GetContext(ctx, &o, q, p.OrderID, nonEmpty(p.PublicRef), nonEmpty(p.SessionID), nonEmpty(p.PaymentIntentID))
	if err != nil {
		return billing.Order{}, fmt.Errorf("lock order for payment %s: %w", p.PaymentIntentID, mapErr(err))
	}
	return o, nil
}

// nonEmpty turns "" into NULL so that an empty id matches nothing.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonZero turns 0 into NULL: an id that was not given.
func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// OrderByPublicRef returns the order a customer's reference names.
func (t *Tx) OrderByPublicRef(ctx context.Context, ref string) (billing.Order, error) {
	return getOrder(ctx, t, `public_ref = $1`, ref)
}

// LockOrder reads the order FOR UPDATE, so concurrent fulfilments queue.
func (t *Tx) LockOrder(ctx context.Context, id int64) (billing.Order, error) {
	return getOrder(ctx, t, `id = $1 FOR UPDATE`, id)
}

// OrderByPublicRef reads an order outside any transaction.
func (s *Store) OrderByPublicRef(ctx context.Context, ref string) (billing.Order, error) {
	return getOrder(ctx, s.db, `public_ref = $1`, ref)
}

func getOrder(ctx context.Context, q sqlx.QueryerContext, where string, arg any) (billing.Order, error) {
	var o billing.Order
	if err := sqlx.GetContext(ctx, q, &o, `SELECT `+orderColumns+` FROM orders WHERE `+where, arg); err != nil {
		return billing.Order{}, fmt.Errorf("order %v: %w", arg, mapErr(err))
	}
	return o, nil
}

// SetCheckoutSession stores the processor's session id on the order.
func (t *Tx) SetCheckoutSession(ctx context.Context, orderID int64, sessionID string) error {
	const q = `UPDATE orders SET checkout_session_id = $2, updated_at = now() WHERE id = $1`
	return t.exec(ctx, "set checkout session", q, orderID, sessionID)
}

// RecordPayment stores the processor's ids and the payment time on the
// order and sets its status; ids already set are kept.
func (t *Tx) RecordPayment(ctx context.Context, orderID int64, p billing.PaidCheckout, status string) error {
	const q = `UPDATE orders SET ` + paymentFacts + `, status = $6, updated_at = now() WHERE id = $1`
	return t.exec(ctx, "record payment", q, append(paymentFactArgs(orderID, p), status)...)
}

// MarkFulfilled records the payment's facts as RecordPayment does, marks
// the order served and adds its "fulfilled" event, in one statement: the
// caller holds the order's row lock, so one update is the three.
func (t *Tx) MarkFulfilled(ctx context.Context, f billing.Fulfilment) error {
	detail, err := orderEventDetail(f.Detail)
	if err != nil {
		return err
	}
	const q = `
		WITH served AS (
			UPDATE orders SET ` + paymentFacts + `,
				status = 'fulfilled', fulfilled_via = $6, account_id = $7, fulfilled_at = $8, updated_at = now()
			WHERE id = $1
			RETURNING id)
		INSERT INTO order_events (order_id, kind, detail) SELECT id, 'fulfilled', $9::jsonb FROM served`
	args := append(paymentFactArgs(f.OrderID, f.Payment), string(f.Via), f.AccountID, f.At.UTC(), detail)
	return t.exec(ctx, "record payment and mark fulfilled", q, args...)
}

// paymentFacts sets an order's processor ids and payment time from
// paymentFactArgs ($1 the order, $2–$5), keeping those already set.
const paymentFacts = `
	checkout_session_id = COALESCE(checkout_session_id, $2),
	payment_intent_id = COALESCE(payment_intent_id, $3),
	charge_id = COALESCE(charge_id, $4),
	paid_at = COALESCE(paid_at, $5)`

// paymentFactArgs are paymentFacts' arguments: the order, then p's ids and
// when it was paid (now when the processor did not say).
func paymentFactArgs(orderID int64, p billing.PaidCheckout) []any {
	paidAt := p.PaidAt
	if paidAt.IsZero() {
		paidAt = time.Now()
	}
	return []any{orderID, nonEmpty(p.SessionID), nonEmpty(p.PaymentIntentID), nonEmpty(p.ChargeID), paidAt.UTC()}
}

// SetStatus moves the order to status if its status is one of from.
func (t *Tx) SetStatus(ctx context.Context, orderID int64, status string, from ...string) (bool, error) {
	const q = `UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 AND status = ANY($3)`
	res, err := t.ExecContext(ctx, q, orderID, status, stringArray(from))
	if err != nil {
		return false, fmt.Errorf("set order %d status %s: %w", orderID, status, mapErr(err))
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AddOrderEvent writes one row of the order's timeline.
func (t *Tx) AddOrderEvent(ctx context.Context, orderID int64, kind string, detail map[string]any) error {
	b, err := orderEventDetail(detail)
	if err != nil {
		return err
	}
	const q = `INSERT INTO order_events (order_id, kind, detail) VALUES ($1, $2, $3)`
	return t.exec(ctx, "add order event", q, orderID, kind, b)
}

// orderEventDetail is an order event's detail as the JSON its column takes.
func orderEventDetail(detail map[string]any) (string, error) {
	b, err := json.Marshal(detail)
	if err != nil {
		return "", fmt.Errorf("order event detail: %w", err)
	}
	return string(b), nil
}

func (t *Tx) exec(ctx context.Context, what, q string, args ...any) error {
	if _, err := t.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", what, mapErr(err))
	}
	return nil
}

// Plan and Plans read the catalogue inside the transaction.
func (t *Tx) Plan(ctx context.Context, code string) (billing.Plan, error) {
	const q = `SELECT ` + planColumns + ` FROM plans WHERE code = $1`
	var p billing.Plan
	if err := t.GetContext(ctx, &p, q, code); err != nil {
		return billing.Plan{}, apperr.Wrap(apperr.KindOf(mapErr(err)), "no plan "+strconv.Quote(code), err)
	}
	return p, nil
}

// Plans returns the catalogue, or only what customers can buy now.
func (t *Tx) Plans(ctx context.Context, activeOnly bool) ([]billing.Plan, error) {
	const q = `SELECT ` + planColumns + ` FROM plans WHERE active OR NOT $1 ORDER BY amount, code`
	plans := []billing.Plan{}
	if err := t.SelectContext(ctx, &plans, q, activeOnly); err != nil {
		return nil, fmt.Errorf("list plans: %w", mapErr(err))
	}
	return plans, nil
}

// OrdersByKeyPrefix returns the orders whose idempotency key starts with
// prefix, oldest first: every order one checkout form started.
func (t *Tx) OrdersByKeyPrefix(ctx context.Context, prefix string) ([]billing.Order, error) {
	end, err := prefixRangeEnd(prefix)
	if err != nil {
		return nil, err
	}
	out := []billing.Order{}
	if err := t.SelectContext(ctx, &out, ordersByKeyRange, prefix, end); err != nil {
		return nil, fmt.Errorf("orders by key prefix: %w", mapErr(err))
	}
	return out, nil
}

// ordersByKeyRange reads the orders whose key is in [$1, $2) in byte order,
// the range the index of migration 00021 answers.
const ordersByKeyRange = `SELECT ` + orderColumns + ` FROM orders
	WHERE idempotency_key COLLATE "C" >= $1 AND idempotency_key COLLATE "C" < $2
	ORDER BY id LIMIT 20`

// prefixRangeEnd is the least string above, in byte order, every string
// that starts with prefix: prefix with its last byte raised by one. It
// takes only a prefix that ends in a printable ASCII character (a
// checkout form's "form:<token>:" does), for which that is valid text.
func prefixRangeEnd(prefix string) (string, error) {
	n := len(prefix)
	if n == 0 || prefix[n-1] < ' ' || prefix[n-1] > '~' {
		return "", apperr.New(apperr.Invalid, fmt.Sprintf("key prefix %q must end in a printable ASCII character", prefix))
	}
	return prefix[:n-1] + string(prefix[n-1]+1), nil
}

// RecentPurchases returns the paid or fulfilled orders of email for plan
// created or paid since, other than exceptID, newest first, at most ten.
func (t *Tx) RecentPurchases(ctx context.Context, email, plan string, since time.Time, exceptID int64) ([]billing.Order, error) {
	const q = `SELECT ` + orderColumns + ` FROM orders
		WHERE lower(email) = lower($1) AND plan_code = $2 AND status IN ('paid', 'fulfilled')
			AND (created_at >= $3 OR paid_at >= $3) AND id <> $4
		ORDER BY COALESCE(paid_at, created_at) DESC, id DESC
		LIMIT 10`
	out := []billing.Order{}
	if err := t.SelectContext(ctx, &out, q, email, plan, since.UTC(), exceptID); err != nil {
		return nil, fmt.Errorf("recent purchases: %w", mapErr(err))
	}
	return out, nil
}

// LockPurchaser takes a transaction-scoped advisory lock on one email (case
// folded) and plan, so two payments of one customer rebuilt at once see
// each other.
func (t *Tx) LockPurchaser(ctx context.Context, email, plan string) error {
	const q = `SELECT pg_advisory_xact_lock(hashtextextended('purchaser ' || lower($1) || ' ' || $2, 0))`
	return t.exec(ctx, "lock purchaser", q, email, plan)
}

// Purchases returns the orders of email that took money (paid, fulfilled,
// refunded or disputed), newest first, at most twenty: what a
// status-by-email request lists.
func (t *Tx) Purchases(ctx context.Context, email string) ([]billing.Order, error) {
	const q = `SELECT ` + orderColumns + ` FROM orders
		WHERE lower(email) = lower($1) AND status IN ('paid', 'fulfilled', 'refunded', 'disputed')
		ORDER BY COALESCE(paid_at, created_at) DESC, id DESC
		LIMIT 20`
	out := []billing.Order{}
	if err := t.SelectContext(ctx, &out, q, email); err != nil {
		return nil, fmt.Errorf("purchases: %w", mapErr(err))
	}
	return out, nil
}
