package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

func testEvent(id string) billing.Event {
	return billing.Event{ID: id, Type: "checkout.session.completed", Created: time.Now(), ObjectID: "cs_1",
		Raw: []byte(`{"id": "` + id + `"}`)}
}

// StoreEvent stores an event once and returns its state; a later delivery
// stores nothing and sees the state the first one left.
func TestStoreEventStoresOnceAndReadsTheState(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	ev := testEvent("evt_once")
	st, err := s.StoreEvent(ctx, ev, billing.SourceWebhook)
	require.NoError(t, err)
	assert.Equal(t, "evt_once", st.ID)
	assert.False(t, st.Done())

	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error { return tx.MarkEventProcessed(ctx, ev.ID) }))
	st, err = s.StoreEvent(ctx, ev, billing.SourceEventCatchup)
	require.NoError(t, err)
	assert.True(t, st.Done(), "the second delivery sees the first one processed")
	assert.Equal(t, 1, st.Attempts)
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM processor_events`))
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM processor_events WHERE source = 'webhook' AND payload->>'id' = 'evt_once'`))
}

// Two deliveries at once: the second one's insert waits for the first's
// commit, whose row its statement cannot see, and reads the state again
// rather than failing.
func TestStoreEventRacingAnotherDelivery(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	ev := testEvent("evt_race")
	tx, err := s.DB().BeginTxx(ctx, nil)
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO processor_events (id, type, object_id, payload, source, created_at)
		VALUES ($1, 'checkout.session.completed', 'cs_1', '{}', 'webhook', now())`, ev.ID)
	require.NoError(t, err)

	type result struct {
		st  billing.EventState
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := s.StoreEvent(ctx, ev, billing.SourceWebhook)
		done <- result{st, err}
	}()
	time.Sleep(200 * time.Millisecond) // the insert is waiting on the row lock
	select {
	case r := <-done:
		t.Fatalf("StoreEvent returned before the other delivery committed: %+v", r)
	default:
	}
	require.NoError(t, tx.Commit())
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, ev.ID, r.st.ID)
	assert.False(t, r.st.Done())
}

// StoreEvent refuses an event PostgreSQL cannot store with
// billing.ErrUnstorable, before any SQL, so catch-up records it as
// given up rather than failing on it at every run; nothing is stored.
func TestStoreEventRefusesAnUnstorablePayload(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	ev := testEvent("evt_nul")
	ev.Raw = []byte(`{"id": "evt_nul", "note": "a\u0000b"}`)
	_, err := s.StoreEvent(ctx, ev, billing.SourceEventCatchup)
	require.ErrorIs(t, err, billing.ErrUnstorable)
	assert.Equal(t, 0, count(t, s, `SELECT count(*) FROM processor_events`))
}
