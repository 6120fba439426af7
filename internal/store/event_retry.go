package store

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"

	"github.com/backstophq/backstop/internal/billing"
)

// The retry side of processor events: event catch-up hands stored events
// whose handling failed to the handler again, with backoff, and after a cap
// gives them up to a person (package recon, catchup_retry.go).

// StoredEvent is a stored event with what its failed attempts left.
type StoredEvent struct {
	billing.Event
	Attempts  int
	LastError string
}

// DueEvents returns up to limit stored events that are neither processed
// nor given up and whose retry is due at now, oldest due first: an event
// with no retry time is due firstAfter after it was received (its first
// failure came from the webhook, which the processor itself redelivers).
func (s *Store) DueEvents(ctx context.Context, now time.Time, firstAfter time.Duration, limit int) ([]StoredEvent, error) {
	const q = `
		SELECT id, type, object_id, payload, created_at, attempts, COALESCE(last_error, '')
		FROM processor_events
		WHERE processed_at IS NULL AND given_up_at IS NULL
			AND COALESCE(next_retry_at, received_at + make_interval(secs => $2)) <= $1
		ORDER BY COALESCE(next_retry_at, received_at) LIMIT $3`
	rows, err := s.db.QueryContext(ctx, q, now.UTC(), firstAfter.Seconds(), limit)
	if err != nil {
		return nil, fmt.Errorf("due events: %w", mapErr(err))
	}
	defer rows.Close()
	var out []StoredEvent
	for rows.Next() {
		var ev StoredEvent
		var payload []byte
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.ObjectID, &payload, &ev.Created, &ev.Attempts, &ev.LastError); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		ev.Raw = payload
		out = append(out, ev)
	}
	return out, mapErr(rows.Err())
}

// EventStates reads the processing state of the stored events among ids,
// in one query; ids never stored are absent from the map.
func (s *Store) EventStates(ctx context.Context, ids []string) (map[string]billing.EventState, error) {
	const q = `SELECT id, processed_at, attempts, given_up_at FROM processor_events WHERE id = ANY($1)`
	var rows []billing.EventState
	if err := s.db.SelectContext(ctx, &rows, q, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("event states: %w", mapErr(err))
	}
	out := make(map[string]billing.EventState, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// EventFailure reads what an event's last attempt left: its state and
// error.
func (s *Store) EventFailure(ctx context.Context, id string) (billing.EventState, string, error) {
	const q = `SELECT id, processed_at, attempts, given_up_at, COALESCE(last_error, '') AS last_error
		FROM processor_events WHERE id = $1`
	var row struct {
		billing.EventState
		LastError string `db:"last_error"`
	}
	if err := s.db.GetContext(ctx, &row, q, id); err != nil {
		return billing.EventState{}, "", fmt.Errorf("event failure %s: %w", id, mapErr(err))
	}
	return row.EventState, row.LastError, nil
}

// ScheduleEventRetry sets when catch-up may try the event again; an event
// processed meanwhile is left alone.
func (s *Store) ScheduleEventRetry(ctx context.Context, id string, at time.Time) error {
	const q = `UPDATE processor_events SET next_retry_at = $2 WHERE id = $1 AND processed_at IS NULL`
	if _, err := s.db.ExecContext(ctx, q, id, at.UTC()); err != nil {
		return fmt.Errorf("schedule retry of event %s: %w", id, mapErr(err))
	}
	return nil
}

// GiveUpEvent stops retrying an event and, in the same transaction, opens
// its event_failed mismatch with the event's id, type, object, attempts
// and last error as evidence. It reports false, changing nothing, when the
// event was processed or given up meanwhile.
func (s *Store) GiveUpEvent(ctx context.Context, id string, at time.Time) (bool, error) {
	const q = `
		UPDATE processor_events SET given_up_at = $2
		WHERE id = $1 AND processed_at IS NULL AND given_up_at IS NULL
		RETURNING id, type, object_id, attempts, COALESCE(last_error, '') AS last_error, received_at, created_at`
	var ev struct {
		ID         string    `db:"id"`
		Type       string    `db:"type"`
		ObjectID   string    `db:"object_id"`
		Attempts   int       `db:"attempts"`
		LastError  string    `db:"last_error"`
		ReceivedAt time.Time `db:"received_at"`
		CreatedAt  time.Time `db:"created_at"`
	}
	gaveUp := false
	err := s.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryxContext(ctx, q, id, at.UTC())
		if err != nil {
			return fmt.Errorf("give up event %s: %w", id, mapErr(err))
		}
		defer rows.Close()
		if !rows.Next() {
			return mapErr(rows.Err())
		}
		if err := rows.StructScan(&ev); err != nil {
			return fmt.Errorf("scan given-up event: %w", err)
		}
		rows.Close()
		gaveUp = true
		_, err = tx.OpenMismatch(ctx, billing.MismatchReport{
			Kind: billing.KindEventFailed, Subject: "event:" + ev.ID, SubjectAt: ev.CreatedAt,
			Evidence: map[string]any{
				"event_id": ev.ID, "type": ev.Type, "object": ev.ObjectID, "attempts": ev.Attempts,
				"last_error": ev.LastError, "received_at": ev.ReceivedAt.UTC(), "given_up_at": at.UTC(),
			},
		})
		return err
	})
	return gaveUp, err
}

// EventFailures counts the given-up events whose event_failed mismatch is
// still open, and names the newest, for the reconciliation alert.
func (s *Store) EventFailures(ctx context.Context) (n int, newest string, err error) {
	const q = `
		SELECT count(*), COALESCE((array_agg(
			m.evidence->>'event_id' || ' (' || (m.evidence->>'type') || '): ' || (m.evidence->>'last_error')
			ORDER BY m.detected_at DESC))[1], '')
		FROM mismatches m
		WHERE m.kind = $1 AND m.status = 'open'`
	if err := s.db.QueryRowContext(ctx, q, billing.KindEventFailed).Scan(&n, &newest); err != nil {
		return 0, "", fmt.Errorf("event failures: %w", mapErr(err))
	}
	return n, newest, nil
}
