package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/backstophq/backstop/internal/billing"
)

// RecordUnstorableEvent stores, in place of an event whose payload
// PostgreSQL cannot store, a row saying so: the payload column holds
// {"unstorable": the payload Go-quoted} (so a person still sees the bytes),
// with one failed attempt whose error is cause. The caller gives it up
// (GiveUpEvent), so nothing retries it. An event already stored is left
// alone. Type, object and error are made storable; the id is the dedupe
// key and is kept as it is (an id that is itself unstorable fails here).
func (s *Store) RecordUnstorableEvent(ctx context.Context, ev billing.Event, source string, cause error) error {
	const q = `
		INSERT INTO processor_events (id, type, object_id, payload, source, created_at, attempts, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
		ON CONFLICT (id) DO NOTHING`
	payload, err := json.Marshal(map[string]string{"unstorable": strconv.Quote(string(ev.Raw))})
	if err != nil {
		return fmt.Errorf("record unstorable event %s: %w", ev.ID, err)
	}
	if _, err := s.db.ExecContext(ctx, q, ev.ID, auditText(ev.Type), auditText(ev.ObjectID),
		string(payload), source, ev.Created.UTC(), auditText(cause.Error())); err != nil {
		return fmt.Errorf("record unstorable event %s: %w", ev.ID, mapErr(err))
	}
	return nil
}

// StoreEvent stores a processor event the first time it is seen (later
// deliveries of the same id change nothing) and returns its processing
// state, in one statement outside any transaction: a webhook's first
// write, in one round trip, whichever path brought the event (webhook or
// event catch-up). When another delivery of the same
// event inserted it concurrently, the insert waits for that one to commit
// and then does nothing, and the statement's snapshot, taken before that
// commit, cannot see the row: the state is then read again. An event whose
// payload PostgreSQL cannot store is refused with billing.ErrUnstorable
// (Invalid) before any SQL.
func (s *Store) StoreEvent(ctx context.Context, ev billing.Event, source string) (billing.EventState, error) {
	if err := ev.CheckStorable(); err != nil {
		return billing.EventState{}, fmt.Errorf("store processor event %s: %w", ev.ID, err)
	}
	const q = `
		WITH ins AS (
			INSERT INTO processor_events (id, type, object_id, payload, source, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO NOTHING
			RETURNING id, processed_at, attempts, given_up_at)
		SELECT id, processed_at, attempts, given_up_at FROM ins
		UNION ALL
		SELECT id, processed_at, attempts, given_up_at FROM processor_events
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`
	var st billing.EventState
	err := s.get(ctx, &st, q, ev.ID, ev.Type, ev.ObjectID, string(ev.Raw), source, ev.Created.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		err = s.get(ctx, &st, readEvent, ev.ID)
	}
	if err != nil {
		return billing.EventState{}, fmt.Errorf("store processor event %s: %w", ev.ID, mapErr(err))
	}
	return st, nil
}

const readEvent = `SELECT id, processed_at, attempts, given_up_at FROM processor_events WHERE id = $1`

// LockEvent reads an event's processing state FOR UPDATE, so that a failed
// attempt is recorded only on an event no other delivery has meanwhile
// processed (see ClaimEvent for the handling itself).
func (t *Tx) LockEvent(ctx context.Context, id string) (billing.EventState, error) {
	const q = `SELECT id, processed_at, attempts, given_up_at FROM processor_events WHERE id = $1 FOR UPDATE`
	var st billing.EventState
	if err := t.GetContext(ctx, &st, q, id); err != nil {
		return billing.EventState{}, fmt.Errorf("lock event %s: %w", id, mapErr(err))
	}
	return st, nil
}

// ClaimEvent marks a stored event processed, unless it is done with
// (processed, or given up), and reports whether it did. The update holds
// the event's row until the transaction ends, so two deliveries of one
// event at once handle it one after the other: the second waits, then finds
// it processed and claims nothing; when the first rolls back (its handling
// failed), the second claims it. In one statement, where locking, checking
// and marking took three. An event never stored is NotFound.
func (t *Tx) ClaimEvent(ctx context.Context, id string) (bool, error) {
	const q = `
		WITH claim AS (
			UPDATE processor_events SET processed_at = now(), attempts = attempts + 1, last_error = NULL
			WHERE id = $1 AND processed_at IS NULL AND given_up_at IS NULL
			RETURNING id)
		SELECT EXISTS (SELECT 1 FROM claim) FROM processor_events WHERE id = $1`
	var claimed bool
	if err := t.GetContext(ctx, &claimed, q, id); err != nil {
		return false, fmt.Errorf("claim event %s: %w", id, mapErr(err))
	}
	return claimed, nil
}

// MarkEventFailed records a failed attempt, keeping the event unprocessed.
func (t *Tx) MarkEventFailed(ctx context.Context, id string, cause error) error {
	const q = `UPDATE processor_events SET attempts = attempts + 1, last_error = $2 WHERE id = $1`
	return t.exec(ctx, "mark event failed", q, id, cause.Error())
}
