package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/billing"
)

// eventTypes are the types the dispatcher knows, and one it does not.
var eventTypes = []string{
	billing.EventCheckoutCompleted, billing.EventCheckoutAsyncSucceeded, billing.EventCheckoutExpired,
	billing.EventPaymentSucceeded, billing.EventPaymentFailed, billing.EventChargeSucceeded,
	billing.EventChargeRefunded, billing.EventDisputeCreated, billing.EventDisputeClosed, "customer.created",
}

// FuzzEventDispatch hands billing's HandleEvent events of every type with
// any object JSON, naming the world's real objects or whatever the fuzzer
// typed, once or twice. The invariants: it never panics; the money state
// (fuzzWorld.moneyState) never changes, since the processor has no fact in
// this world that calls for a change, however "paid", "refunded" or
// "disputed" the payload says it is; an event handled without error is
// marked processed, and one that failed is stored unprocessed with its
// error recorded, or not stored at all, never silently dropped.
func FuzzEventDispatch(f *testing.F) {
	for i := range eventTypes {
		for j := range 6 {
			f.Add(uint8(i), uint8(j), "", []byte(`{"object":"checkout.session","payment_status":"paid","status":"complete"}`), false)
		}
	}
	f.Add(uint8(6), uint8(4), "", []byte(`{"object":"charge","refunded":true,"amount_refunded":24900}`), true)
	f.Add(uint8(7), uint8(0), "dp_nothing", []byte(`{"object":"dispute","status":"lost","charge":"ch_x"}`), false)
	f.Add(uint8(8), uint8(0), "du_\x00", []byte(`{"status":"won"}`), false)
	f.Add(uint8(0), uint8(0), "cs_unknown", []byte(`{"id":"cs_unknown","amount_total":-1,"metadata":{"order_id":"1"}}`), false)
	f.Add(uint8(3), uint8(0), "pi_\xff", []byte(`"\u0000"`), false)
	f.Add(uint8(200), uint8(0), "x", []byte(`not json`), false)
	w := newFuzzWorld(f)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, typ, pick uint8, typed string, object []byte, again bool) {
		ids := w.objectIDs(typed)
		ev := fuzzEvent(fmt.Sprintf("evt_fuzz_%d_%s", n.Add(1), randHex(4)), eventTypes[int(typ)%len(eventTypes)], ids[int(pick)%len(ids)], object)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for range 1 + boolInt(again) {
			err := w.billing.HandleEvent(ctx, ev, billing.SourceWebhook)
			w.accountedFor(t, ev.ID, err)
		}
		w.unchanged(t, ev.Type+" for "+ev.ObjectID)
	})
}

// fuzzEvent is an event as the processor would send it, with object as
// its data.object (as a JSON string when it is not JSON).
func fuzzEvent(id, typ, objectID string, object []byte) billing.Event {
	if !json.Valid(object) {
		object, _ = json.Marshal(string(object))
	}
	raw, _ := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "type": typ, "created": time.Now().Unix(),
		"data": map[string]any{"object": json.RawMessage(object)},
	})
	return billing.Event{ID: id, Type: typ, Created: time.Now(), ObjectID: objectID, Raw: raw}
}

// accountedFor fails t unless event id is processed when err is nil, and
// unprocessed with its error recorded (or absent) when err is not.
func (w *fuzzWorld) accountedFor(t *testing.T, id string, err error) {
	t.Helper()
	var processed bool
	var lastError sql.NullString
	qerr := w.store.DB().QueryRow(`SELECT processed_at IS NOT NULL, last_error FROM processor_events WHERE id = $1`, id).Scan(&processed, &lastError)
	switch {
	case qerr == sql.ErrNoRows && err == nil:
		t.Fatalf("event %s handled without error but not stored", id)
	case qerr == sql.ErrNoRows:
		return
	case qerr != nil:
		t.Fatal(qerr)
	case err == nil && !processed:
		t.Fatalf("event %s handled without error but not processed", id)
	case err != nil && (processed || strings.TrimSpace(lastError.String) == ""):
		t.Fatalf("event %s failed (%v) but is processed=%v with error %q", id, err, processed, lastError.String)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
