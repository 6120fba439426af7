package store

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// maxPrepared bounds the statements a pool keeps prepared: the store's
// queries are constants, a few hundred at most, but a text built per call
// would otherwise add one per call, on every connection.
const maxPrepared = 512

// prepareWait is how long a transaction waits for a free connection to
// prepare a statement on the first time the process runs it. Preparing
// takes a connection besides the transaction's own, so with every
// connection held by a transaction doing the same they would wait for
// each other; after this the statement runs unprepared, once.
const prepareWait = 50 * time.Millisecond

// statements prepares each statement the store runs with parameters once
// per connection and keeps it: PostgreSQL then plans it once (a generic
// plan after five runs) instead of on every run, which measured as costly
// as running the event path's statements. lib/pq alone sends every
// statement unnamed, planned again each time.
type statements struct {
	db *sqlx.DB
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

func newStatements(db *sqlx.DB) *statements {
	return &statements{db: db, m: make(map[string]*sqlx.Stmt)}
}

// get returns q prepared, or nil when it runs unprepared this time: the
// cache is full, no connection came free within prepareWait, or preparing
// failed (the unprepared run then reports the error in its own words).
func (s *statements) get(ctx context.Context, q string) *sqlx.Stmt {
	s.mu.Lock()
	st, ok := s.m[q]
	full := len(s.m) >= maxPrepared
	s.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, prepareWait)
	defer cancel()
	st, err := s.db.PreparexContext(ctx, q)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if have, ok := s.m[q]; ok { // prepared meanwhile by another caller
		st.Close()
		return have
	}
	s.m[q] = st
	return st
}

// get is s.db.GetContext with q prepared, for the statements outside a
// transaction that every event runs (a Stmt of the pool prepares itself on
// whichever connection runs it).
func (s *Store) get(ctx context.Context, dest any, q string, args ...any) error {
	if len(args) > 0 {
		if st := s.stmts.get(ctx, q); st != nil {
			return st.GetContext(ctx, dest, args...)
		}
	}
	return s.db.GetContext(ctx, dest, q, args...)
}

// The methods below shadow *sqlx.Tx's so that every Tx method runs its
// statements prepared on the transaction's connection (database/sql
// prepares a kept statement on each connection once and reuses it there).
// Statements without parameters go as they are: lib/pq sends them in one
// simple round trip, and such a text may be built per call (a name or a
// list spliced in), which would only fill the cache.

// prepared returns q as a statement of the transaction, or nil.
func (t *Tx) prepared(ctx context.Context, q string, args []any) *sqlx.Stmt {
	if len(args) == 0 || t.stmts == nil {
		return nil
	}
	if st, ok := t.inTx[q]; ok {
		return st
	}
	kept := t.stmts.get(ctx, q)
	if kept == nil {
		return nil
	}
	st := t.Tx.StmtxContext(ctx, kept)
	if t.inTx == nil {
		t.inTx = make(map[string]*sqlx.Stmt)
	}
	t.inTx[q] = st
	return st
}

// ExecContext is sqlx's, prepared.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.prepared(ctx, q, args); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

// GetContext is sqlx's, prepared.
func (t *Tx) GetContext(ctx context.Context, dest any, q string, args ...any) error {
	if st := t.prepared(ctx, q, args); st != nil {
		return st.GetContext(ctx, dest, args...)
	}
	return t.Tx.GetContext(ctx, dest, q, args...)
}

// SelectContext is sqlx's, prepared.
func (t *Tx) SelectContext(ctx context.Context, dest any, q string, args ...any) error {
	if st := t.prepared(ctx, q, args); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return t.Tx.SelectContext(ctx, dest, q, args...)
}

// QueryRowxContext is sqlx's, prepared.
func (t *Tx) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	if st := t.prepared(ctx, q, args); st != nil {
		return st.QueryRowxContext(ctx, args...)
	}
	return t.Tx.QueryRowxContext(ctx, q, args...)
}

// QueryxContext is sqlx's, prepared.
func (t *Tx) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	if st := t.prepared(ctx, q, args); st != nil {
		return st.QueryxContext(ctx, args...)
	}
	return t.Tx.QueryxContext(ctx, q, args...)
}

// NamedExecContext is sqlx's, prepared: the names are bound here, so the
// statement reaches ExecContext above.
func (t *Tx) NamedExecContext(ctx context.Context, q string, arg any) (sql.Result, error) {
	bound, args, err := t.BindNamed(q, arg)
	if err != nil {
		return nil, err
	}
	return t.ExecContext(ctx, bound, args...)
}
