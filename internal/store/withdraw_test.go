package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

var yearly = billing.Plan{Code: "p", Name: "P", Amount: 100, Currency: "usd", Interval: "year", Active: true}

// grantOrders serves n orders for one account through GrantEntitlement, a
// second apart, as consecutive purchases would, and returns their ids.
func grantOrders(t *testing.T, s *store.Store, n int, start time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, s.UpsertPlan(ctx, yearly))
	var ids []int64
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		account, err := tx.UpsertAccount(ctx, "w@example.test")
		require.NoError(t, err)
		for i := range n {
			o, err := tx.InsertOrder(ctx, billing.Order{PublicRef: "REF-" + string(rune('A'+i)), Email: "w@example.test",
				PlanCode: "p", Amount: 100, Currency: "usd", Status: "pending", IdempotencyKey: "k" + string(rune('A'+i))})
			require.NoError(t, err)
			_, err = tx.GrantEntitlement(ctx, billing.Grant{OrderID: o.ID, AccountID: account, Plan: yearly,
				Now: start.Add(time.Duration(i) * time.Second)})
			require.NoError(t, err)
			ids = append(ids, o.ID)
		}
		return nil
	}))
	return ids
}

func withdraw(t *testing.T, s *store.Store, orderID int64, now time.Time) store.Withdrawal {
	t.Helper()
	var w store.Withdrawal
	require.NoError(t, s.InTx(context.Background(), func(tx *store.Tx) error {
		var err error
		w, err = tx.WithdrawGrant(context.Background(), orderID, now)
		return err
	}))
	return w
}

func TestWithdrawGrant(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		orders   int
		withdraw int // index of the order withdrawn
		want     time.Time
		shifted  int
	}{
		{"the later of two", 2, 1, start.AddDate(1, 0, 0), 0},
		// The remaining grant moves back to start when it was granted, and
		// stays a calendar year long across 2028's leap day.
		{"the earlier of two", 2, 0, start.Add(time.Second).AddDate(1, 0, 0), 1},
		{"the middle of three", 3, 1, start.AddDate(2, 0, 0), 1},
		{"the only one", 1, 0, start.Add(time.Hour), 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := setup(t)
			ids := grantOrders(t, s, tc.orders, start)
			// The grants' created_at is the transaction's time: pretend they
			// were granted when their Now says.
			_, err := s.DB().Exec(`UPDATE entitlement_grants SET created_at = CAST($1 AS timestamptz) + (order_id - $2) * interval '1 second'`,
				start, ids[0])
			require.NoError(t, err)
			w := withdraw(t, s, ids[tc.withdraw], start.Add(time.Hour))
			require.True(t, w.Withdrawn)
			require.Equal(t, tc.shifted, w.Shifted)
			require.WithinDuration(t, tc.want, w.ValidUntil, time.Millisecond)
			var until time.Time
			require.NoError(t, s.DB().Get(&until, `SELECT valid_until FROM entitlements`))
			require.WithinDuration(t, tc.want, until, time.Millisecond)
			require.Equal(t, tc.orders-1, count(t, s, `SELECT count(*) FROM entitlement_grants`))
		})
	}
}

func TestWithdrawGrantOfAnOrderThatGrantedNothing(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := grantOrders(t, s, 1, start)
	w := withdraw(t, s, ids[0]+100, start)
	require.False(t, w.Withdrawn)
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM entitlement_grants`))
}
