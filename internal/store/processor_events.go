package store

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/billing"
)

// InsertEvent stores a processor event the first time it is seen; later
// deliveries of the same id change nothing.
func (t *Tx) InsertEvent(ctx context.Context, ev billing.Event, source string) error {
	const q = `
		INSERT INTO processor_events (id, type, object_id, payload, source, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO NOTHING`
	return t.exec(ctx, "store processor event", q, ev.ID, ev.Type, ev.ObjectID, string(ev.Raw), source, ev.Created.UTC())
}

// ReadEvent reads an event's processing state without locking it: the
// cheap check that spares an event already processed any processor call.
func (t *Tx) ReadEvent(ctx context.Context, id string) (billing.EventState, error) {
	const q = `SELECT id, processed_at, attempts, given_up_at FROM processor_events WHERE id = $1`
	var st billing.EventState
	if err := t.GetContext(ctx, &st, q, id); err != nil {
		return billing.EventState{}, fmt.Errorf("read event %s: %w", id, mapErr(err))
	}
	return st, nil
}

// LockEvent reads an event's processing state FOR UPDATE: two deliveries of
// one event at once handle it one after the other, and the second sees it done.
func (t *Tx) LockEvent(ctx context.Context, id string) (billing.EventState, error) {
	const q = `SELECT id, processed_at, attempts, given_up_at FROM processor_events WHERE id = $1 FOR UPDATE`
	var st billing.EventState
	if err := t.GetContext(ctx, &st, q, id); err != nil {
		return billing.EventState{}, fmt.Errorf("lock event %s: %w", id, mapErr(err))
	}
	return st, nil
}

// MarkEventProcessed records that the event's handling committed.
func (t *Tx) MarkEventProcessed(ctx context.Context, id string) error {
	const q = `UPDATE processor_events SET processed_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`
	return t.exec(ctx, "mark event processed", q, id)
}

// MarkEventFailed records a failed attempt, keeping the event unprocessed.
func (t *Tx) MarkEventFailed(ctx context.Context, id string, cause error) error {
	const q = `UPDATE processor_events SET attempts = attempts + 1, last_error = $2 WHERE id = $1`
	return t.exec(ctx, "mark event failed", q, id, cause.Error())
}

// Savepoint and RollbackToSavepoint let a workflow undo part of a
// transaction and still commit the rest (an event stored, its handling not).
func (t *Tx) Savepoint(ctx context.Context, name string) error {
	return t.exec(ctx, "savepoint", "SAVEPOINT "+name)
}

// RollbackToSavepoint undoes everything since the named savepoint.
func (t *Tx) RollbackToSavepoint(ctx context.Context, name string) error {
	return t.exec(ctx, "rollback to savepoint", "ROLLBACK TO SAVEPOINT "+name)
}
