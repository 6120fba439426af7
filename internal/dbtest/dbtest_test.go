package dbtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestDatabasesAreIsolated(t *testing.T) {
	t.Parallel()
	a, b := dbtest.New(t), dbtest.New(t)
	_, err := a.Exec(`INSERT INTO plans (code, name, amount, currency, interval) VALUES ('p', 'P', 100, 'usd', 'year')`)
	require.NoError(t, err)

	var inA, inB int
	require.NoError(t, a.Get(&inA, `SELECT count(*) FROM plans`))
	require.NoError(t, b.Get(&inB, `SELECT count(*) FROM plans`))
	require.Equal(t, 1, inA)
	require.Equal(t, 0, inB, "a row written in one database must not show in another")
}

func TestTemplateIsMigrated(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	for _, table := range []string{"plans", "orders", "error_reports", "goose_db_version", "river_job", "river_migration"} {
		var exists bool
		require.NoError(t, db.Get(&exists, `SELECT to_regclass($1) IS NOT NULL`, table))
		require.True(t, exists, "table %s", table)
	}
	require.NoError(t, store.New(db).Ready(context.Background()))
}

func TestParallelNew(t *testing.T) {
	t.Parallel()
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db := dbtest.New(t)
			_, err := db.Exec(`INSERT INTO plans (code, name, amount, currency, interval) VALUES ($1, 'P', 100, 'usd', 'year')`, fmt.Sprint(i))
			require.NoError(t, err)
			var n int
			require.NoError(t, db.Get(&n, `SELECT count(*) FROM plans`))
			require.Equal(t, 1, n)
		})
	}
}

func TestURLIsAFreshDatabaseDroppedAfterTheTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		st, err := store.Open(context.Background(), dbtest.URL(t))
		require.NoError(t, err)
		defer st.Close()
		require.NoError(t, st.DB().Get(&name, `SELECT current_database()`))
		require.NotEqual(t, "postgres", name)
	})
	var exists bool
	require.NoError(t, dbtest.New(t).Get(&exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name))
	require.False(t, exists, "database %s should be dropped when its test ends", name)
}
