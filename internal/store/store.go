package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // the one PostgreSQL driver, registered as driverName
)

// driverName names the database/sql driver in one place: lib/pq is in
// maintenance mode, and swapping it should touch only this line.
const driverName = "postgres"

// pingTimeout is how long Open waits for the server to accept connections,
// which covers a PostgreSQL that is still starting next to us.
const pingTimeout = 5 * time.Second

// maxConns bounds the connections Open's pool holds.
const maxConns = 20

// Store is the database. It is safe for concurrent use.
type Store struct {
	db    *sqlx.DB
	stmts *statements
}

// Open connects to the PostgreSQL at url and pings it, retrying for about
// five seconds. It fails with an apperr Unavailable when the server does not
// answer.
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := open(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// As many kept idle as may be open: with fewer, a burst (webhooks after
	// an outage) closes each connection returned beyond the idle limit and
	// opens a new one for the next request, a PostgreSQL backend started
	// and warmed each time.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := pingRetry(ctx, db.DB, pingTimeout); err != nil {
		db.Close()
		return nil, err
	}
	return New(db), nil
}

// open opens a pool on url with lib/pq's binary_parameters on, whatever
// the URL says: a statement with parameters then costs one round trip
// (Parse, Bind and Execute sent together) instead of two (Parse and
// Describe, then Bind and Execute), which was a fifth of a webhook's time.
// Its one change of meaning is that a []byte parameter is sent as binary
// data: right for bytea, wrong for jsonb, so JSON goes to the database as
// a string (AddOrderEvent, StoreEvent and Audit pass it so).
func open(url string) (*sqlx.DB, error) {
	cfg, err := pq.NewConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.BinaryParameters = true
	conn, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(conn), driverName), nil
}

func pingRetry(ctx context.Context, db *sql.DB, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return unavailable("database unreachable", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// New wraps an open database, for tests and callers that manage the pool.
func New(db *sqlx.DB) *Store { return &Store{db: db, stmts: newStatements(db)} }

// DB returns the pool, for River's driver and for tests.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Tx is a transaction begun by InTx. Its statements with parameters run
// prepared (statements.go); a Tx made without stmts runs them unprepared.
type Tx struct {
	*sqlx.Tx
	stmts *statements
	inTx  map[string]*sqlx.Stmt // this transaction's, by query
}

// SQL returns the underlying *sql.Tx, for River's InsertTx.
func (t *Tx) SQL() *sql.Tx { return t.Tx.Tx }

// InTx runs fn in a transaction: it commits when fn returns nil and rolls
// back when fn returns an error or panics (the panic continues). fn's error
// comes back unchanged, so its kind survives.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(&Tx{Tx: sqlTx, stmts: s.stmts}); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
