package stripesim

import (
	"encoding/json"
	"time"
)

// object is what every stored Stripe object offers the lists: its id and
// its creation second.
type object interface {
	objectID() string
	createdAt() int64
}

// table keeps one kind of object in insertion order, which is the stable
// tie-break lists need because many objects share a creation second. It is
// persisted as a plain JSON array, so the order survives a restart.
type table[T object] struct {
	items []T
	index map[string]int
}

func (t *table[T]) add(v T) {
	if t.index == nil {
		t.index = map[string]int{}
	}
	t.index[v.objectID()] = len(t.items)
	t.items = append(t.items, v)
}

// get returns the object with that id; ok is false when there is none.
func (t *table[T]) get(id string) (v T, ok bool) {
	i, ok := t.index[id]
	if !ok {
		return v, false
	}
	return t.items[i], true
}

// seq is an object's insertion position, or -1 when the id is unknown.
func (t *table[T]) seq(id string) int {
	if i, ok := t.index[id]; ok {
		return i
	}
	return -1
}

func (t table[T]) MarshalJSON() ([]byte, error) {
	if t.items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(t.items)
}

func (t *table[T]) UnmarshalJSON(b []byte) error {
	var items []T
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	*t = table[T]{}
	for _, v := range items {
		t.add(v)
	}
	return nil
}

// delivery is one pending webhook POST of one event.
type delivery struct {
	EventID  string    `json:"event_id"`
	NextAt   time.Time `json:"next_at"`
	Attempts int       `json:"attempts"`
	// inFlight keeps the loop and /_sim/webhooks/retry from sending the
	// same delivery twice at once; it is never persisted.
	inFlight bool
}

// idemRecord is a stored POST result, replayed for the same key and params.
type idemRecord struct {
	Fingerprint string    `json:"fingerprint"`
	Status      int       `json:"status"`
	Body        []byte    `json:"body"`
	Created     time.Time `json:"created"`
}

type webhookStats struct {
	Delivered      int64 `json:"delivered"`
	FailedAttempts int64 `json:"failed_attempts"`
	Dropped        int64 `json:"dropped"`
}

// state is everything the simulator knows; it is exactly what StatePath
// holds, so a restart loses nothing a client could observe.
type state struct {
	Sessions       table[*sessionRecord]      `json:"sessions"`
	PaymentIntents table[*paymentIntent]      `json:"payment_intents"`
	Charges        table[*charge]             `json:"charges"`
	Refunds        table[*refund]             `json:"refunds"`
	Disputes       table[*dispute]            `json:"disputes"`
	Events         table[*event]              `json:"events"`
	Subscriptions  table[*subscriptionRecord] `json:"subscriptions"`
	Invoices       table[*invoice]            `json:"invoices"`
	// ClockOffset is how far POST /_sim/clock/advance moved the clock, so
	// a restart keeps the simulated time.
	ClockOffset time.Duration          `json:"clock_offset"`
	Deliveries  []*delivery            `json:"deliveries"`
	Idempotency map[string]*idemRecord `json:"idempotency"`
	Webhooks    webhookStats           `json:"webhooks"`
}

func newState() *state {
	return &state{Idempotency: map[string]*idemRecord{}}
}

// lookup finds any object by id, using Stripe's id prefixes, for expand.
func (st *state) lookup(id string) (any, bool) {
	switch {
	case hasPrefix(id, "cs_"):
		r, ok := st.Sessions.get(id)
		if !ok {
			return nil, false
		}
		return r.Session, true
	case hasPrefix(id, "pi_"):
		return found(st.PaymentIntents.get(id))
	case hasPrefix(id, "ch_"):
		return found(st.Charges.get(id))
	case hasPrefix(id, "re_"):
		return found(st.Refunds.get(id))
	case hasPrefix(id, "dp_"):
		return found(st.Disputes.get(id))
	case hasPrefix(id, "sub_"):
		r, ok := st.Subscriptions.get(id)
		if !ok {
			return nil, false
		}
		return r.Sub, true
	case hasPrefix(id, "in_"):
		return found(st.Invoices.get(id))
	}
	return nil, false
}

func found[T any](v T, ok bool) (any, bool) { return v, ok }

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
