package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RunHealth is what the dead man's switch reads about one kind of run.
type RunHealth struct {
	// LastSuccess is when the newest run without error finished (nil if none).
	LastSuccess *time.Time
	// LastError is the error of the newest finished run, nil if it succeeded.
	LastError *string
	// LastRunID is the newest finished run, 0 if none.
	LastRunID int64
}

// ReconHealth reads the newest finished run and the newest success of a kind.
func (s *Store) ReconHealth(ctx context.Context, kind string) (RunHealth, error) {
	const q = `
		SELECT (SELECT max(finished_at) FROM recon_runs WHERE kind = $1 AND error IS NULL
				AND finished_at IS NOT NULL AND NOT dry_run),
			last.id, last.error
		FROM (SELECT 1) one
		LEFT JOIN LATERAL (SELECT id, error FROM recon_runs WHERE kind = $1 AND finished_at IS NOT NULL
			AND NOT dry_run ORDER BY finished_at DESC, id DESC LIMIT 1) last ON true`
	var h RunHealth
	var id sql.NullInt64
	if err := s.db.QueryRowContext(ctx, q, kind).Scan(&h.LastSuccess, &id, &h.LastError); err != nil {
		return RunHealth{}, fmt.Errorf("recon health %s: %w", kind, mapErr(err))
	}
	h.LastRunID = id.Int64
	return h, nil
}

// LockReconState reads a named fact FOR UPDATE inside the transaction,
// creating it empty first, so concurrent checkers take turns on it.
func (t *Tx) LockReconState(ctx context.Context, name string) (string, error) {
	const ins = `INSERT INTO recon_state (name, value) VALUES ($1, '') ON CONFLICT (name) DO NOTHING`
	if _, err := t.ExecContext(ctx, ins, name); err != nil {
		return "", fmt.Errorf("create recon state %s: %w", name, mapErr(err))
	}
	var v string
	err := t.GetContext(ctx, &v, `SELECT value FROM recon_state WHERE name = $1 FOR UPDATE`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lock recon state %s: %w", name, mapErr(err))
	}
	return v, nil
}

// SetReconState writes a named fact inside the transaction.
func (t *Tx) SetReconState(ctx context.Context, name, value string) error {
	const q = `
		INSERT INTO recon_state (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
	return t.exec(ctx, "set recon state "+name, q, name, value)
}
