package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
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

	require.NoError(t, s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ClaimEvent(ctx, ev.ID)
		return err
	}))
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

// ClaimEvent marks a stored event processed once: never one processed or
// given up, and a rollback leaves it to claim again.
func TestClaimEventClaimsOnlyWhatIsLeftToDo(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	claim := func(id string) (claimed bool) {
		t.Helper()
		require.NoError(t, s.InTx(ctx, func(tx *store.Tx) (err error) {
			claimed, err = tx.ClaimEvent(ctx, id)
			return err
		}))
		return claimed
	}
	for _, id := range []string{"evt_fresh", "evt_rolled_back", "evt_given_up"} {
		_, err := s.StoreEvent(ctx, testEvent(id), billing.SourceWebhook)
		require.NoError(t, err)
	}

	require.True(t, claim("evt_fresh"))
	require.False(t, claim("evt_fresh"), "a processed event is not claimed again")
	assert.Equal(t, 1, count(t, s, `SELECT attempts FROM processor_events WHERE id = 'evt_fresh' AND processed_at IS NOT NULL`))

	undo := errors.New("the handling failed")
	err := s.InTx(ctx, func(tx *store.Tx) error {
		claimed, err := tx.ClaimEvent(ctx, "evt_rolled_back")
		require.NoError(t, err)
		require.True(t, claimed)
		return undo
	})
	require.ErrorIs(t, err, undo)
	require.True(t, claim("evt_rolled_back"), "a rolled-back claim leaves the event to claim")

	given, err := s.GiveUpEvent(ctx, "evt_given_up", time.Now())
	require.NoError(t, err)
	require.True(t, given)
	require.False(t, claim("evt_given_up"), "an event given up is left for a person")
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM processor_events WHERE id = 'evt_given_up' AND processed_at IS NULL`))

	err = s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ClaimEvent(ctx, "evt_never_stored")
		return err
	})
	require.True(t, apperr.Is(err, apperr.NotFound), "an event never stored: %v", err)
}
