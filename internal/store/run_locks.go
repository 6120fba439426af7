package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"
)

// The session-level advisory locks that keep one run of a kind at a time
// across every process sharing the database.
const (
	sweepLockKey   int64 = 0x627377656570     // "bsweep" in ASCII
	catchUpLockKey int64 = 0x6263617463687570 // "bcatchup" in ASCII
)

// TryLockSweep takes the sweep's lock on a dedicated connection. ok is
// false when another process holds it. The lock lives as long as the
// connection: release unlocks and returns it, and a process that dies
// releases it with its connection.
func (s *Store) TryLockSweep(ctx context.Context) (release func(), ok bool, err error) {
	return s.tryLock(ctx, sweepLockKey, "sweep")
}

// TryLockCatchUp takes the event catch-up's lock, as TryLockSweep does the
// sweep's.
func (s *Store) TryLockCatchUp(ctx context.Context) (release func(), ok bool, err error) {
	return s.tryLock(ctx, catchUpLockKey, "catch-up")
}

func (s *Store) tryLock(ctx context.Context, key int64, what string) (release func(), ok bool, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("%s lock connection: %w", what, mapErr(err))
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("take %s lock: %w", what, mapErr(err))
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() { unlock(conn, key) }, true, nil
}

func unlock(conn *sql.Conn, key int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A failed unlock leaves the lock to die with the connection: Raw
	// marks it bad so the pool closes it instead of reusing it locked.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}

// runBusySQL is true while a run of a job kind holds its lock (on any
// machine) or its job waits for a worker or was started in the last
// minute: between a worker taking the job and the run taking its lock
// there is a moment when neither shows, and the runs page would stop
// refreshing in it. A job running for longer is not counted: one whose
// process died stays "running" until River rescues it, and a live one
// holds the lock. PostgreSQL's lock table stores a bigint key as its high
// and low 32 bits; advisory locks belong to one database, so another
// database's run on the same server is not ours.
func runBusySQL(kind string, key int64) string {
	return fmt.Sprintf(`
	EXISTS (
		SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid = (%[2]d::bigint >> 32)::oid AND objid = (%[2]d::bigint & 4294967295)::oid
	) OR EXISTS (
		SELECT 1 FROM river_job WHERE kind = '%[1]s' AND (state IN ('available', 'pending', 'retryable', 'scheduled')
			OR (state = 'running' AND attempted_at > now() - interval '1 minute'))
	)`, kind, key)
}
