package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// ReconRun is one row of recon_runs: what a reconciliation run covered,
// what it cost and what it found.
type ReconRun struct {
	ID                 int64          `db:"id" json:"run_id"`
	Kind               string         `db:"kind" json:"kind"`
	DryRun             bool           `db:"dry_run" json:"dry_run"`
	WindowFrom         *time.Time     `db:"window_from" json:"window_from"`
	WindowTo           *time.Time     `db:"window_to" json:"window_to"`
	CursorBefore       *string        `db:"cursor_before" json:"cursor_before,omitempty"`
	CursorAfter        *string        `db:"cursor_after" json:"cursor_after,omitempty"`
	APICalls           int            `db:"api_calls" json:"api_calls"`
	ObjectsSeen        int            `db:"objects_seen" json:"objects_seen"`
	Healed             int            `db:"healed" json:"healed"`
	MismatchesOpened   int            `db:"mismatches_opened" json:"mismatches_opened"`
	MismatchesUpdated  int            `db:"mismatches_updated" json:"mismatches_updated"`
	MismatchesResolved int            `db:"mismatches_resolved" json:"mismatches_resolved"`
	ByKind             map[string]int `db:"-" json:"by_kind"`
	Error              *string        `db:"error" json:"error,omitempty"`
	StartedAt          time.Time      `db:"started_at" json:"started_at"`
	FinishedAt         *time.Time     `db:"finished_at" json:"finished_at"`
	// Phase is what a run still going is doing (recon_progress.go);
	// RequestedBy names who pressed Run now, "" for the schedule.
	Phase       string `db:"phase" json:"-"`
	RequestedBy string `db:"requested_by" json:"-"`
}

// StartReconRun records the start of a run and returns its id; by names
// who asked for it from the console, "" for the schedule or a command.
func (s *Store) StartReconRun(ctx context.Context, kind string, dryRun bool, by string) (int64, error) {
	const q = `INSERT INTO recon_runs (kind, dry_run, requested_by) VALUES ($1, $2, $3) RETURNING id`
	var id int64
	if err := s.db.GetContext(ctx, &id, q, kind, dryRun, auditText(by)); err != nil {
		return 0, fmt.Errorf("start recon run: %w", mapErr(err))
	}
	return id, nil
}

// FinishReconRun stores the run's results and marks it finished; a run
// with Error set failed.
func (s *Store) FinishReconRun(ctx context.Context, r ReconRun) error {
	byKind, err := json.Marshal(r.ByKind)
	if err != nil {
		return err
	}
	if r.ByKind == nil {
		byKind = []byte("{}")
	}
	const q = `
		UPDATE recon_runs SET
			window_from = $2, window_to = $3, cursor_before = $4, cursor_after = $5,
			api_calls = $6, objects_seen = $7, healed = $8, mismatches_opened = $9,
			mismatches_updated = $10, mismatches_resolved = $11, by_kind = $12,
			error = $13, finished_at = now(), phase = ''
		WHERE id = $1`
	_, err = s.db.ExecContext(ctx, q, r.ID, r.WindowFrom, r.WindowTo, r.CursorBefore, r.CursorAfter,
		r.APICalls, r.ObjectsSeen, r.Healed, r.MismatchesOpened, r.MismatchesUpdated, r.MismatchesResolved,
		string(byKind), r.Error)
	if err != nil {
		return fmt.Errorf("finish recon run %d: %w", r.ID, mapErr(err))
	}
	return nil
}

// ReconRuns lists the latest runs of a kind ("" for all), newest first.
func (s *Store) ReconRuns(ctx context.Context, kind string, limit int) ([]ReconRun, error) {
	const q = `SELECT ` + reconRunColumns + ` FROM recon_runs WHERE $1 = '' OR kind = $1 ORDER BY id DESC LIMIT $2`
	return s.queryRuns(ctx, q, kind, limit)
}

// reconRunColumns are what scanRun reads, in its order.
const reconRunColumns = `id, kind, dry_run, window_from, window_to, cursor_before, cursor_after, api_calls,
	objects_seen, healed, mismatches_opened, mismatches_updated, mismatches_resolved,
	by_kind, error, started_at, finished_at, phase, requested_by`

func (s *Store) queryRuns(ctx context.Context, q string, args ...any) ([]ReconRun, error) {
	rows, err := s.db.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list recon runs: %w", mapErr(err))
	}
	defer rows.Close()
	runs := []ReconRun{}
	for rows.Next() {
		var r ReconRun
		var byKind []byte
		if err := rows.Scan(&r.ID, &r.Kind, &r.DryRun, &r.WindowFrom, &r.WindowTo, &r.CursorBefore, &r.CursorAfter,
			&r.APICalls, &r.ObjectsSeen, &r.Healed, &r.MismatchesOpened, &r.MismatchesUpdated, &r.MismatchesResolved,
			&byKind, &r.Error, &r.StartedAt, &r.FinishedAt, &r.Phase, &r.RequestedBy); err != nil {
			return nil, fmt.Errorf("scan recon run: %w", err)
		}
		if err := json.Unmarshal(byKind, &r.ByKind); err != nil {
			return nil, fmt.Errorf("recon run %d by_kind: %w", r.ID, err)
		}
		runs = append(runs, r)
	}
	return runs, mapErr(rows.Err())
}

// ReconState reads a named fact ("" and NotFound when never set).
func (s *Store) ReconState(ctx context.Context, name string) (string, error) {
	const q = `SELECT value FROM recon_state WHERE name = $1`
	var v string
	if err := s.db.GetContext(ctx, &v, q, name); err != nil {
		return "", fmt.Errorf("recon state %s: %w", name, mapErr(err))
	}
	return v, nil
}

// SetReconState writes a named fact.
func (s *Store) SetReconState(ctx context.Context, name, value string) error {
	const q = `
		INSERT INTO recon_state (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
	if _, err := s.db.ExecContext(ctx, q, name, value); err != nil {
		return fmt.Errorf("set recon state %s: %w", name, mapErr(err))
	}
	return nil
}
