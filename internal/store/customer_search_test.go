package store_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
)

// TestSearchCustomersByEveryKey: the same customer is found by each of the
// six kinds of key a support message carries, among other customers'
// rows, and a key that names nothing finds nothing.
func TestSearchCustomersByEveryKey(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	db := s.DB()
	_, err := db.Exec(insertPlan)
	require.NoError(t, err)
	var ids []int64
	for i, email := range []string{"Jane@Example.test", "other@example.test"} {
		var id int64
		n := strconv.Itoa(i)
		require.NoError(t, db.Get(&id, `
			INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key, payment_intent_id, charge_id)
			VALUES ($1, $2, 'p', 100, 'usd', $1, $3, $4) RETURNING id`, "BK-REF"+n, email, "pi_"+n, "ch_"+n))
		ids = append(ids, id)
		require.NoError(t, s.RecordError(ctx, store.ErrorReport{Ref: "E-" + n, Method: "GET", Route: "/checkout/return",
			Status: 500, OrderID: &id, Err: "crash", At: time.Now()}))
	}
	jane := ids[0]
	for _, tc := range []struct {
		key, via string
	}{
		{"jane@example.TEST", "email"},
		{"BK-REF0", "public_ref"},
		{"E-0", "error_ref"},
		{strconv.FormatInt(jane, 10), "order_id"},
		{"pi_0", "payment_intent"},
		{"ch_0", "charge"},
	} {
		t.Run(tc.via, func(t *testing.T) {
			got, err := s.SearchCustomers(ctx, "  "+tc.key+" ")
			require.NoError(t, err)
			require.Len(t, got, 1, "%+v", got)
			require.Equal(t, "jane@example.test", got[0].Email)
			require.Equal(t, tc.via, got[0].Via)
			require.Equal(t, jane, got[0].OrderID)
		})
	}
	for _, miss := range []string{"nobody@example.test", "BK-NOPE", "pi_missing", "999999", ""} {
		got, err := s.SearchCustomers(ctx, miss)
		require.NoError(t, err)
		require.Empty(t, got, "key %q", miss)
	}
}

// TestSearchCustomersPaymentWithoutOrder: a payment we hold no order for
// is found through its mismatch, naming the email the processor gave.
func TestSearchCustomersPaymentWithoutOrder(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().Exec(`INSERT INTO mismatches (kind, subject, email, payment_intent_id, charge_id)
		VALUES ('orphan_payment', 'pi_orphan', 'Lost@example.test', 'pi_orphan', 'ch_orphan')`)
	require.NoError(t, err)
	for _, key := range []string{"pi_orphan", "ch_orphan", "lost@example.test"} {
		got, err := s.SearchCustomers(ctx, key)
		require.NoError(t, err)
		require.Len(t, got, 1, key)
		require.Equal(t, "lost@example.test", got[0].Email)
		require.NotZero(t, got[0].MismatchID)
	}
}
