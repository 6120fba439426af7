package recon_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// TestCatchUpUnstorableEvent: a listed event whose payload PostgreSQL
// cannot store (here an escaped NUL in the object's id) is refused by the
// store's one check, recorded as failed with words saying why, and given up
// to a person at once; the run succeeds, the cursor moves past it, and the
// next run does not hand it to the handler again.
func TestCatchUpUnstorableEvent(t *testing.T) {
	db := dbtest.New(t)
	st := store.New(db)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	t1, t2 := now.Add(-20*time.Second), now.Add(-10*time.Second)
	bad := billing.Event{
		ID: "evt_nul", Type: "checkout.session.completed", Created: t1, ObjectID: "cs_\x00",
		Raw: []byte(`{"id":"evt_nul","type":"checkout.session.completed","data":{"object":{"id":"cs_\u0000"}}}`),
	}
	events := &fakeEvents{events: []billing.Event{bad, event("evt_ok", t2)}}
	h := &storingHandler{st: st}
	clock := now
	c := recon.NewCatchUp(recon.CatchUp{Store: st, Events: events, Handler: h, Lookback: time.Hour, Now: func() time.Time { return clock }})

	run, err := c.Run(ctx)
	require.NoError(t, err)
	require.Nil(t, run.Error)
	require.True(t, cursorOf(t, db).Equal(t2), "the unstorable event does not hold the cursor back")

	var row struct {
		Attempts    int    `db:"attempts"`
		LastError   string `db:"last_error"`
		ObjectID    string `db:"object_id"`
		Unstorable  string `db:"unstorable"`
		GivenUp     bool   `db:"given_up"`
		Unprocessed bool   `db:"unprocessed"`
	}
	require.NoError(t, db.Get(&row, `SELECT attempts, last_error, object_id, payload->>'unstorable' AS unstorable,
		given_up_at IS NOT NULL AS given_up, processed_at IS NULL AS unprocessed FROM processor_events WHERE id = 'evt_nul'`))
	require.Equal(t, 1, row.Attempts)
	require.Contains(t, row.LastError, "not text PostgreSQL can store")
	require.Equal(t, "cs_", row.ObjectID)
	require.Contains(t, row.Unstorable, `cs_\\u0000`, "the payload's bytes are kept, quoted, for the person")
	require.True(t, row.GivenUp && row.Unprocessed, "given up, not processed")
	var open int
	require.NoError(t, db.Get(&open, `SELECT count(*) FROM mismatches WHERE kind = $1 AND subject = 'event:evt_nul' AND status = 'open'`, billing.KindEventFailed))
	require.Equal(t, 1, open)

	h.handled = nil
	clock = now.Add(recon.DefaultRetry.Max) // any retry would be due
	_, err = c.Run(ctx)
	require.NoError(t, err)
	require.Empty(t, h.handled, "neither the listing nor the retry hands it over again")
}
