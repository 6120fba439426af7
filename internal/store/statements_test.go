package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

// plans reads, on the transaction's connection, how often PostgreSQL ran
// the prepared statement q with a plan made for the run (custom) and with
// its generic plan, and on which backend.
func plans(t *testing.T, tx *store.Tx, q string) (pid, custom, generic int) {
	t.Helper()
	var row struct {
		PID     int `db:"pid"`
		Custom  int `db:"custom"`
		Generic int `db:"generic"`
	}
	// No parameters, so this read is not prepared itself.
	err := tx.Tx.Get(&row, fmt.Sprintf(`
		SELECT pg_backend_pid() AS pid, coalesce(sum(custom_plans), 0) AS custom,
		       coalesce(sum(generic_plans), 0) AS generic
		FROM pg_prepared_statements WHERE statement = '%s'`, q))
	require.NoError(t, err)
	return row.PID, row.Custom, row.Generic
}

const plusOne = `SELECT $1::int + 1`

func TestTransactionStatementsArePlannedOncePerConnection(t *testing.T) {
	s := opened(t)
	ctx := t.Context()
	runs := map[int]int{} // runs of the statement on each backend
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		for i := range 10 {
			var n int
			require.NoError(t, tx.GetContext(ctx, &n, plusOne, i))
			require.Equal(t, i+1, n)
		}
		pid, custom, generic := plans(t, tx, plusOne)
		runs[pid] = 10
		require.Equal(t, 10, custom+generic, "one prepared statement ran all ten")
		require.Positive(t, generic, "after five runs PostgreSQL stops planning it")
		return nil
	}))

	// Later transactions reuse the statement their connection prepared:
	// each backend's count goes on from where it was.
	for range 10 {
		require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, plusOne, 1)
			require.NoError(t, err)
			pid, custom, generic := plans(t, tx, plusOne)
			runs[pid]++
			require.Equal(t, runs[pid], custom+generic, "backend %d prepared it again", pid)
			return nil
		}))
	}
}

func TestStatementsBeyondTheBoundRunUnprepared(t *testing.T) {
	s := opened(t)
	ctx := t.Context()
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		for k := range store.MaxPrepared + 10 {
			var n int
			require.NoError(t, tx.GetContext(ctx, &n, fmt.Sprintf(`SELECT $1::int + %d`, k), 1))
			require.Equal(t, k+1, n)
		}
		return nil
	}))
	require.Equal(t, store.MaxPrepared, s.PreparedCount())
}

// Preparing takes a connection besides the transaction's own; with none
// free the statement runs unprepared instead of waiting for one.
func TestPreparingNeverWaitsForABusyPool(t *testing.T) {
	db := dbtest.New(t)
	db.SetMaxOpenConns(1)
	s := store.New(db)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, plusOne, 41); err != nil {
			return err
		}
		require.Equal(t, 42, n)
		return nil
	}))
	require.Zero(t, s.PreparedCount())
}
