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

// keyedOrders inserts one pending order of plan p per key, and n filler
// orders with keys of other forms.
func keyedOrders(t *testing.T, s *store.Store, n int, keys ...string) {
	t.Helper()
	db := s.DB()
	db.MustExec(insertPlan)
	for i, k := range keys {
		db.MustExec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key)
			VALUES ('BK-K' || $1, 'a@example.com', 'p', 100, 'usd', 'pending', $2)`, i, k)
	}
	db.MustExec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key)
		SELECT 'BK-F' || g, 'f@example.com', 'p', 100, 'usd', 'pending', 'form:filler' || g || ':0'
		FROM generate_series(1, $1) g`, n)
	db.MustExec(`ANALYZE orders`)
}

func byPrefix(t *testing.T, s *store.Store, prefix string) ([]billing.Order, error) {
	t.Helper()
	var out []billing.Order
	err := s.InTx(t.Context(), func(tx *store.Tx) error {
		var err error
		out, err = tx.OrdersByKeyPrefix(t.Context(), prefix)
		return err
	})
	return out, err
}

func TestOrdersByKeyPrefixFindsExactlyTheFormsOrders(t *testing.T) {
	s := opened(t)
	keyedOrders(t, s, 10, "form:abc:1", "form:abc:2", "form:abcd:1", "form:ab:1", "form:abc;x", "form:ABC:1")
	got, err := byPrefix(t, s, "form:abc:")
	require.NoError(t, err)
	var keys []string
	for _, o := range got {
		keys = append(keys, o.IdempotencyKey)
	}
	require.Equal(t, []string{"form:abc:1", "form:abc:2"}, keys)

	_, err = byPrefix(t, s, "form:abc\x7f")
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
}

// A checkout's lookup reads the index, not every order: with 5,000 orders
// PostgreSQL's plan for it scans orders_idempotency_key_bytes.
func TestOrdersByKeyPrefixReadsTheIndex(t *testing.T) {
	s := opened(t)
	keyedOrders(t, s, 5000, "form:abc:1")
	conn, err := s.DB().Connx(context.Background())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(t.Context(), `PREPARE by_key(text, text) AS `+store.OrdersByKeyRange)
	require.NoError(t, err)
	var plan []string
	require.NoError(t, conn.SelectContext(t.Context(), &plan, `EXPLAIN EXECUTE by_key('form:abc:', 'form:abc;')`))
	joined := strings.Join(plan, "\n")
	require.Contains(t, joined, "orders_idempotency_key_bytes", joined)
}
