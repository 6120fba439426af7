package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func setup(t *testing.T) (*store.Store, context.Context) {
	t.Helper()
	return store.New(dbtest.New(t)), context.Background()
}

// opened is a store opened as the app opens it (store.Open, its pool and
// driver settings) on a fresh database, closed when the test ends.
func opened(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), dbtest.URL(t))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func count(t *testing.T, s *store.Store, q string) int {
	t.Helper()
	var n int
	require.NoError(t, s.DB().Get(&n, q))
	return n
}

const insertPlan = `INSERT INTO plans (code, name, amount, currency, interval) VALUES ('p', 'P', 100, 'usd', 'year')`

func TestInTxCommits(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	err := s.InTx(ctx, func(tx *store.Tx) error {
		require.NotNil(t, tx.SQL())
		_, err := tx.ExecContext(ctx, insertPlan)
		return err
	})
	require.NoError(t, err)
	require.Equal(t, 1, count(t, s, `SELECT count(*) FROM plans`))
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	boom := errors.New("boom")
	err := s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, insertPlan)
		require.NoError(t, err)
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 0, count(t, s, `SELECT count(*) FROM plans`))
}

func TestInTxRollsBackOnPanic(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	require.PanicsWithValue(t, "boom", func() {
		_ = s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, insertPlan)
			require.NoError(t, err)
			panic("boom")
		})
	})
	require.Equal(t, 0, count(t, s, `SELECT count(*) FROM plans`))
}

func TestOpenUnreachableIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := store.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable")
	require.ErrorContains(t, err, "database unreachable")
}

// Open turns lib/pq's binary_parameters on, so a statement with parameters
// is one round trip. Its sign: a []byte parameter reaches PostgreSQL as
// binary data, which jsonb refuses, while the same JSON as a string is
// text; the store passes JSON as strings for that reason.
func TestOpenSendsParametersInOneRoundTrip(t *testing.T) {
	t.Parallel()
	s, ctx := opened(t), context.Background()
	var out string
	require.NoError(t, s.DB().GetContext(ctx, &out, `SELECT CAST(CAST($1 AS jsonb) AS text)`, `{"a": 1}`))
	require.Equal(t, `{"a": 1}`, out)
	_, err := s.DB().ExecContext(ctx, `SELECT CAST($1 AS jsonb)`, []byte(`{"a": 1}`))
	require.ErrorContains(t, err, "unsupported jsonb version", "[]byte goes as binary: binary_parameters is on")
}

// TestOpenKeepsEveryConnectionOfABurst: connections used at once are kept
// for the next burst, not closed on return and opened again.
func TestOpenKeepsEveryConnectionOfABurst(t *testing.T) {
	t.Parallel()
	s, ctx := opened(t), context.Background()
	for range 2 {
		conns := make([]*sql.Conn, store.MaxConns)
		for i := range conns {
			var err error
			conns[i], err = s.DB().Conn(ctx)
			require.NoError(t, err)
		}
		for _, c := range conns {
			require.NoError(t, c.Close())
		}
	}
	st := s.DB().Stats()
	require.Zero(t, st.MaxIdleClosed, "connections closed on return")
	require.Equal(t, store.MaxConns, st.OpenConnections)
}
