package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

func TestPlans(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	yearly := billing.Plan{Code: "pro-yearly", Name: "Pro", Amount: 24900, Currency: "usd", Interval: "year", Active: true}
	monthly := billing.Plan{Code: "pro-monthly", Name: "Pro monthly", Amount: 2900, Currency: "usd", Interval: "month", Active: true}
	old := billing.Plan{Code: "legacy", Name: "Legacy", Amount: 900, Currency: "eur", Interval: "month", Active: false}
	once := billing.Plan{Code: "lifetime", Name: "A year, paid once", Amount: 49900, Currency: "usd", Interval: "year", OneTime: true, Active: true}
	for _, p := range []billing.Plan{yearly, monthly, old, once} {
		require.NoError(t, s.UpsertPlan(ctx, p))
	}

	all, err := s.Plans(ctx, false)
	require.NoError(t, err)
	require.Equal(t, []billing.Plan{old, monthly, yearly, once}, all, "ordered by amount")

	active, err := s.Plans(ctx, true)
	require.NoError(t, err)
	require.Equal(t, []billing.Plan{monthly, yearly, once}, active)

	got, err := s.Plan(ctx, "legacy")
	require.NoError(t, err)
	require.Equal(t, old, got)

	// A transaction reads the same plans: the checkout's read once lost
	// one_time and sold the one-payment plan as a renewing subscription.
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		got, err := tx.Plan(ctx, once.Code)
		require.NoError(t, err)
		require.Equal(t, once, got)
		inTx, err := tx.Plans(ctx, false)
		require.NoError(t, err)
		require.Equal(t, all, inTx)
		return nil
	}))
}

func TestUpsertPlanUpdates(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	p := billing.Plan{Code: "pro-yearly", Name: "Pro", Amount: 24900, Currency: "usd", Interval: "year", Active: true}
	require.NoError(t, s.UpsertPlan(ctx, p))
	p.Name, p.Amount, p.Active = "Pro (2027)", 29900, false
	require.NoError(t, s.UpsertPlan(ctx, p))

	got, err := s.Plan(ctx, "pro-yearly")
	require.NoError(t, err)
	require.Equal(t, p, got)
}

func TestPlanMissingIsNotFound(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.Plan(ctx, "nope")
	require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
	require.Equal(t, `no plan "nope"`, apperr.SafeMessage(err, ""))
}

func TestPlansEmptyIsEmptySlice(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	plans, err := s.Plans(ctx, false)
	require.NoError(t, err)
	require.NotNil(t, plans, "an empty catalogue encodes as [] in JSON")
	require.Empty(t, plans)
}

func TestUpsertPlanRejectedByCheckIsInternal(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	err := s.UpsertPlan(ctx, billing.Plan{Code: "x", Name: "X", Amount: 0, Currency: "usd", Interval: "year"})
	require.Error(t, err)
	require.Equal(t, apperr.Internal, apperr.KindOf(err))
}
