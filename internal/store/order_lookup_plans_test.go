package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// The lookups by one of several links keep their indexes on a plan made
// while the tables were empty, as a kept prepared statement's is on a new
// deployment: with 5,000 orders and invoices added since, the plan still
// reads each link's index, not every row. The same lookups written as one
// scan with OR fail this (a sequential scan of every order, each checkout).
func TestOrderLookupsKeepTheirIndexes(t *testing.T) {
	s := opened(t)
	db := s.DB()
	db.MustExec(insertPlan)
	lookups := []struct{ name, query, args string }{
		{"order holding key or ref", store.OrderHoldingKeyOrRef, `('form:x:1', 'BK-F1')`},
		{"order for payment", store.FindOrderForPayment, `(0::bigint, 'BK-F1', 'cs_1', 'pi_1')`},
		{"invoice of charge", store.ChargeInvoice, `('in_1', 'pi_1', 'ch_1')`},
	}
	conn, err := db.Connx(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(t.Context(), `SET plan_cache_mode = force_generic_plan`)
	require.NoError(t, err)
	for i, l := range lookups {
		_, err := conn.ExecContext(t.Context(), `PREPARE lookup`+string(rune('a'+i))+` AS `+l.query)
		require.NoError(t, err, l.name)
		_, err = conn.ExecContext(t.Context(), `EXECUTE lookup`+string(rune('a'+i))+l.args)
		require.NoError(t, err, l.name)
	}

	db.MustExec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key,
			checkout_session_id, payment_intent_id)
		SELECT 'BK-F' || g, 'f@example.com', 'p', 100, 'usd', 'pending', 'form:x:' || g, 'cs_' || g, 'pi_' || g
		FROM generate_series(1, 5000) g`)
	db.MustExec(`INSERT INTO subscriptions (id, order_id, email, plan_code, status)
		SELECT 'sub_' || o.id, o.id, o.email, o.plan_code, 'active' FROM orders o`)
	db.MustExec(`INSERT INTO invoices (id, subscription_id, status, amount, currency, payment_intent_id, charge_id, created_at)
		SELECT 'in_' || g, 'sub_' || o.id, 'paid', 100, 'usd', 'pi_' || g, 'ch_' || g, now()
		FROM orders o, CAST(substr(o.public_ref, 5) AS int) g`)

	for i, l := range lookups {
		var plan []string
		err := conn.SelectContext(t.Context(), &plan, `EXPLAIN EXECUTE lookup`+string(rune('a'+i))+l.args)
		require.NoError(t, err, l.name)
		joined := strings.Join(plan, "\n")
		require.NotContains(t, joined, "Seq Scan", "%s:\n%s", l.name, joined)
	}
}

// A payment's order is found by its strongest link: the public reference,
// then the checkout session, then the payment intent, then the order id
// (only without a reference), whichever orders the weaker links name.
func TestFindOrderForPaymentTakesTheStrongestLink(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	s.DB().MustExec(insertPlan)
	ids := map[string]int64{}
	for _, o := range []struct{ ref, session, intent string }{
		{"BK-REF", "", ""}, {"BK-SES", "cs_s", ""}, {"BK-PI", "", "pi_p"},
	} {
		var id int64
		require.NoError(t, s.DB().Get(&id, `INSERT INTO orders (public_ref, email, plan_code, amount, currency, status,
				idempotency_key, checkout_session_id, payment_intent_id)
			VALUES ($1, 'l@example.test', 'p', 100, 'usd', 'pending', $1, NULLIF($2, ''), NULLIF($3, '')) RETURNING id`,
			o.ref, o.session, o.intent))
		ids[o.ref] = id
	}
	find := func(p billing.PaidCheckout) int64 {
		var id int64
		require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
			var err error
			id, err = tx.FindOrderForPayment(ctx, p)
			return err
		}))
		return id
	}
	all := billing.PaidCheckout{PublicRef: "BK-REF", SessionID: "cs_s", PaymentIntentID: "pi_p", OrderID: ids["BK-PI"]}
	require.Equal(t, ids["BK-REF"], find(all), "the reference first")
	all.PublicRef = ""
	require.Equal(t, ids["BK-SES"], find(all), "then the session, over an order with no session")
	all.SessionID = ""
	require.Equal(t, ids["BK-PI"], find(all), "then the payment intent")
	require.Equal(t, ids["BK-SES"], find(billing.PaidCheckout{OrderID: ids["BK-SES"]}), "the id without a reference")
	err := s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.FindOrderForPayment(ctx, billing.PaidCheckout{PublicRef: "BK-GONE", OrderID: ids["BK-SES"]})
		return err
	})
	require.True(t, apperr.Is(err, apperr.NotFound), "an id beside an unknown reference is not trusted: %v", err)
}
