package recon_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// fakeEvents lists fixed events newest first, as the processor does, and
// remembers the window it was asked for.
type fakeEvents struct {
	events []billing.Event
	asked  billing.Range
	err    error
}

func (f *fakeEvents) ListEvents(_ context.Context, r billing.Range, _ []string, fn func(billing.Event) error) error {
	f.asked = r
	if f.err != nil {
		return f.err
	}
	for i := len(f.events) - 1; i >= 0; i-- {
		if err := fn(f.events[i]); err != nil {
			return err
		}
	}
	return nil
}

// storingHandler stores each event the way billing does (received in a
// statement of its own, then processed or failed) and fails the ids in
// failing.
type storingHandler struct {
	st      *store.Store
	failing map[string]bool
	handled []string
}

func (h *storingHandler) HandleEvent(ctx context.Context, ev billing.Event, source string) error {
	h.handled = append(h.handled, ev.ID)
	failed := errors.New("handling failed")
	if _, err := h.st.StoreEvent(ctx, ev, source); err != nil {
		return err
	}
	err := h.st.InTx(ctx, func(tx *store.Tx) error {
		if h.failing[ev.ID] {
			return tx.MarkEventFailed(ctx, ev.ID, failed)
		}
		_, err := tx.ClaimEvent(ctx, ev.ID)
		return err
	})
	if err == nil && h.failing[ev.ID] {
		return failed
	}
	return err
}

func event(id string, at time.Time) billing.Event {
	raw, _ := json.Marshal(map[string]any{"id": id})
	return billing.Event{ID: id, Type: "checkout.session.completed", Created: at, Raw: raw}
}

func cursorOf(t *testing.T, db *sqlx.DB) time.Time {
	var v string
	require.NoError(t, db.Get(&v, `SELECT value FROM recon_state WHERE name = 'events_cursor'`))
	at, err := time.Parse(time.RFC3339Nano, v)
	require.NoError(t, err)
	return at
}

// TestCatchUpCursor: the cursor advances to the newest handled event, is
// held back at the oldest failed one so the next window includes it, and
// the next window overlaps the cursor by a few seconds. Listed again, the
// failed event (now stored with its failure) waits for its retry, which is
// paced by the backoff, and no longer holds the cursor.
func TestCatchUpCursor(t *testing.T) {
	db := dbtest.New(t)
	st := store.New(db)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	t1, t2, t3 := now.Add(-30*time.Second), now.Add(-20*time.Second), now.Add(-10*time.Second)
	events := &fakeEvents{events: []billing.Event{event("evt_1", t1), event("evt_2", t2), event("evt_3", t3)}}
	h := &storingHandler{st: st, failing: map[string]bool{"evt_2": true}}
	clock := now
	c := recon.NewCatchUp(recon.CatchUp{Store: st, Events: events, Handler: h, Lookback: time.Hour, Now: func() time.Time { return clock }})

	run, err := c.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, now.Add(-time.Hour-5*time.Second), events.asked.From, "the first run covers the lookback")
	require.Equal(t, 3, run.ObjectsSeen)
	require.True(t, cursorOf(t, db).Equal(t2), "held back at the failed event")

	h.handled = nil
	clock = now.Add(10 * time.Second)
	_, err = c.Run(ctx)
	require.NoError(t, err)
	require.Empty(t, h.handled, "listed again before its retry is due, the failed event waits: backoff holds for the listing too")
	require.True(t, cursorOf(t, db).Equal(t3), "stored with its failure, the event is its retry's business and no longer holds the cursor")

	h.failing, h.handled = nil, nil
	clock = now.Add(recon.DefaultRetry.First) // the failed event's retry is due
	_, err = c.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, t3.Add(-5*time.Second), events.asked.From, "the window overlaps the cursor")
	require.True(t, cursorOf(t, db).Equal(t3))
	require.Equal(t, []string{"evt_2"}, h.handled, "listed again, only the failed event is handled again, once, by its retry")

	var unprocessed int
	require.NoError(t, db.Get(&unprocessed, `SELECT count(*) FROM processor_events WHERE processed_at IS NULL`))
	require.Zero(t, unprocessed)
	var finished int
	require.NoError(t, db.Get(&finished, `SELECT count(*) FROM recon_runs WHERE kind = 'events' AND finished_at IS NOT NULL AND error IS NULL`))
	require.Equal(t, 3, finished)
}

// TestCatchUpRetriesStoredFailures: an event a webhook stored but failed to
// handle is handed to the handler again by the next run, even when the
// processor's list no longer shows it.
func TestCatchUpRetriesStoredFailures(t *testing.T) {
	db := dbtest.New(t)
	st := store.New(db)
	ctx := context.Background()
	now := time.Now().UTC()
	old := event("evt_old", now.Add(-2*time.Hour))
	h := &storingHandler{st: st, failing: map[string]bool{"evt_old": true}}
	require.Error(t, h.HandleEvent(ctx, old, billing.SourceWebhook), "the webhook's handling failed")
	_, err := db.Exec(`UPDATE processor_events SET received_at = now() - interval '1 hour'`)
	require.NoError(t, err)

	h.failing, h.handled = nil, nil
	c := recon.NewCatchUp(recon.CatchUp{Store: st, Events: &fakeEvents{}, Handler: h, Lookback: time.Minute})
	_, err = c.Run(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"evt_old"}, h.handled)
	var processed int
	require.NoError(t, db.Get(&processed, `SELECT count(*) FROM processor_events WHERE processed_at IS NOT NULL`))
	require.Equal(t, 1, processed)
}

// TestCatchUpProcessorDown: a failing listing fails the run, records the
// error, and leaves the cursor where it was.
func TestCatchUpProcessorDown(t *testing.T) {
	db := dbtest.New(t)
	st := store.New(db)
	events := &fakeEvents{err: apperr.New(apperr.Unavailable, "payment processor is unavailable")}
	c := recon.NewCatchUp(recon.CatchUp{Store: st, Events: events, Handler: &storingHandler{st: st}, Lookback: time.Minute})
	_, err := c.Run(context.Background())
	require.ErrorContains(t, err, "payment processor is unavailable")
	var runErr string
	require.NoError(t, db.Get(&runErr, `SELECT error FROM recon_runs WHERE kind = 'events'`))
	require.Contains(t, runErr, "unavailable")
	var cursors int
	require.NoError(t, db.Get(&cursors, `SELECT count(*) FROM recon_state WHERE name = 'events_cursor'`))
	require.Zero(t, cursors)
}

// TestCatchUpDryRunChangesNothing: a dry run lists the events after the
// cursor and counts the ones a real run would handle (never stored, or
// stored and never tried) and the stored failures whose retry is due, yet
// hands nothing to the handler, stores no event and leaves the cursor.
// The real run after it handles exactly what the dry run counted.
func TestCatchUpDryRunChangesNothing(t *testing.T) {
	db := dbtest.New(t)
	st := store.New(db)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	cursor := now.Add(-time.Minute)
	require.NoError(t, st.SetReconState(ctx, "events_cursor", cursor.Format(time.RFC3339Nano)))
	h := &storingHandler{st: st, failing: map[string]bool{"evt_failing": true}}
	seen, failing := event("evt_seen", now.Add(-40*time.Second)), event("evt_failing", now.Add(-2*time.Hour))
	require.NoError(t, h.HandleEvent(ctx, seen, billing.SourceWebhook), "the webhook handled this one")
	require.Error(t, h.HandleEvent(ctx, failing, billing.SourceWebhook), "and failed this one")
	_, err := db.Exec(`UPDATE processor_events SET received_at = now() - interval '1 hour' WHERE id = 'evt_failing'`)
	require.NoError(t, err)
	var before []string
	require.NoError(t, db.Select(&before, `SELECT id || coalesce(processed_at::text, '-') || attempts FROM processor_events ORDER BY id`))
	events := &fakeEvents{events: []billing.Event{seen, event("evt_new1", now.Add(-30*time.Second)), event("evt_new2", now.Add(-20*time.Second))}}
	h.handled, h.failing = nil, nil
	c := recon.NewCatchUp(recon.CatchUp{Store: st, Events: events, Handler: h, Lookback: time.Hour, Now: func() time.Time { return now }})

	run, err := c.RunWith(ctx, recon.CatchUpOptions{DryRun: true, RequestedBy: "ana@example.test"})
	require.NoError(t, err)
	require.Empty(t, h.handled, "a dry run handles nothing and retries nothing")
	var after []string
	require.NoError(t, db.Select(&after, `SELECT id || coalesce(processed_at::text, '-') || attempts FROM processor_events ORDER BY id`))
	require.Equal(t, before, after, "no event stored or changed")
	require.True(t, cursorOf(t, db).Equal(cursor), "the cursor did not move")
	require.Equal(t, cursor.Add(-5*time.Second), events.asked.From, "it lists what a real run would")

	rows, err := st.ReconRuns(ctx, "events", 1)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	got := rows[0]
	require.Equal(t, run.ID, got.ID)
	require.True(t, got.DryRun)
	require.NotNil(t, got.FinishedAt)
	require.Nil(t, got.Error)
	require.Equal(t, "ana@example.test", got.RequestedBy)
	require.Equal(t, 3, got.ObjectsSeen)
	require.Equal(t, 2, got.Healed, "two listed events are new and would be handled")
	require.Equal(t, map[string]int{"retries_due": 1}, got.ByKind, "one stored failure is due for its retry")
	require.Nil(t, got.CursorAfter, "no cursor written")

	real, err := c.Run(ctx)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"evt_new1", "evt_new2", "evt_failing"}, h.handled)
	require.Equal(t, 3, real.Healed, "the real run handled what the dry run counted")
	require.False(t, cursorOf(t, db).Equal(cursor))
}
