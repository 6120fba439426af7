package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// LockOrderForPayment locks the order it finds: a second fulfilment of the
// same payment waits for the first to commit, and then reads the order as
// the first left it.
func TestLockOrderForPaymentQueuesASecondCaller(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().ExecContext(ctx, insertPlan)
	require.NoError(t, err)
	var o billing.Order
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		o, err = tx.InsertOrder(ctx, billing.Order{PublicRef: "REF-LOCK", Email: "l@example.test", PlanCode: "p",
			Amount: 100, Currency: "usd", Status: billing.StatusPending, IdempotencyKey: "lock-1"})
		return err
	}))
	p := billing.PaidCheckout{PublicRef: "REF-LOCK", PaymentIntentID: "pi_lock"}

	first, err := s.DB().BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer first.Rollback()
	locked, err := (&store.Tx{Tx: first}).LockOrderForPayment(ctx, p)
	require.NoError(t, err)
	require.Equal(t, o.ID, locked.ID)

	second := make(chan billing.Order, 1)
	go func() {
		_ = s.InTx(ctx, func(tx *store.Tx) error {
			got, err := tx.LockOrderForPayment(ctx, p)
			second <- got
			return err
		})
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case got := <-second:
		t.Fatalf("the second caller read the order while the first held it: %+v", got)
	default:
	}
	_, err = first.ExecContext(ctx, `UPDATE orders SET email = 'changed@example.test' WHERE id = $1`, o.ID)
	require.NoError(t, err)
	require.NoError(t, first.Commit())
	assert.Equal(t, "changed@example.test", (<-second).Email, "the latest version, after the first's commit")
}
