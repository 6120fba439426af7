package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

func TestErrorReportRoundTrip(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	r := store.ErrorReport{Ref: "E-1", Method: "POST", Route: "/checkout", Status: 500,
		Err: "boom: db down", RequestID: "req-1", At: at}
	require.NoError(t, s.RecordError(ctx, r))

	got, err := s.ErrorReport(ctx, "E-1")
	require.NoError(t, err)
	require.Equal(t, r, got)
}

func TestErrorReportWithOrderAndDefaultTime(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().Exec(insertPlan)
	require.NoError(t, err)
	var orderID int64
	require.NoError(t, s.DB().Get(&orderID, `
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key)
		VALUES ('ref', 'a@example.com', 'p', 100, 'usd', 'k') RETURNING id`))

	require.NoError(t, s.RecordError(ctx, store.ErrorReport{Ref: "E-2", Method: "GET", Route: "/status/:ref",
		Status: 500, OrderID: &orderID, Err: "x"}))
	got, err := s.ErrorReport(ctx, "E-2")
	require.NoError(t, err)
	require.NotNil(t, got.OrderID)
	require.Equal(t, orderID, *got.OrderID)
	require.WithinDuration(t, time.Now(), got.At, time.Minute)
}

func TestErrorReportDuplicateRefIsConflict(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	r := store.ErrorReport{Ref: "E-3", Method: "GET", Route: "/", Status: 500, Err: "x"}
	require.NoError(t, s.RecordError(ctx, r))
	err := s.RecordError(ctx, r)
	require.True(t, apperr.Is(err, apperr.Conflict), "%v", err)
}

func TestErrorReportMissingIsNotFound(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.ErrorReport(ctx, "E-none")
	require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
}
