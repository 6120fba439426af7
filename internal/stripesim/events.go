package stripesim

import (
	"encoding/json"
	"strings"
	"time"
)

// emit records an event carrying a snapshot of obj as it is now, and queues
// its webhook deliveries according to the current fault mode. The caller
// holds s.mu.
func (s *Server) emit(typ string, obj any, req eventRequest) *event {
	raw, _ := json.Marshal(obj)
	// An event is stamped when it is emitted, on the wall clock, like its
	// webhook: the objects it carries bear the simulated time (a renewal a
	// year ahead), but a client listing events "up to now" after advancing
	// the clock must still find them, as it finds a test clock's at Stripe.
	ev := &event{
		ID: newID("evt_", 24), Object: "event", APIVersion: apiVersion,
		Created: s.opts.Now().Unix(), Data: eventData{Object: raw}, Request: req, Type: typ,
	}
	s.st.Events.add(ev)
	s.enqueue(ev)
	s.dirty = true
	return ev
}

// enqueue applies the webhook fault mode of the moment the event is made:
// drop never delivers it, duplicate delivers it twice, delay holds it back.
func (s *Server) enqueue(ev *event) {
	if s.opts.WebhookURL == "" {
		return
	}
	w := s.faults.webhooks
	if w.drop {
		s.st.Webhooks.Dropped++
		return
	}
	at := time.Now().Add(w.delay)
	s.st.Deliveries = append(s.st.Deliveries, &delivery{EventID: ev.ID, NextAt: at})
	if w.duplicate {
		s.st.Deliveries = append(s.st.Deliveries, &delivery{EventID: ev.ID, NextAt: at})
	}
	ev.PendingWebhooks = 1
}

// matchType applies type (with * wildcards, e.g. "charge.*") or types[].
func matchType(typ string, pattern string, types []string) bool {
	if pattern != "" && !wildcard(pattern, typ) {
		return false
	}
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if t == typ {
			return true
		}
	}
	return false
}

func wildcard(pattern, s string) bool {
	prefix, suffix, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}

func eventListSpec() map[string]param {
	return withList(map[string]param{"type": pString(), "types": pList(pString()), "delivery_success": pBool()})
}

func (s *Server) listEvents(c *call) (any, *apiError) {
	pattern, types := c.form.str("type"), c.form.strings("types")
	if pattern != "" && c.form.has("types") {
		return nil, invalid("types", "You may only specify one of these parameters: type, types.")
	}
	if len(types) > 20 {
		return nil, invalidValue("types", "You may pass at most 20 types, got %d.", len(types))
	}
	wantDelivered, filterDelivered := c.form.str("delivery_success") == "true", c.form.has("delivery_success")
	return listOf(s, c, &s.st.Events, "event", "/v1/events", func(e *event) bool {
		if filterDelivered && (e.PendingWebhooks == 0) != wantDelivered {
			return false
		}
		return matchType(e.Type, pattern, types)
	})
}

func (s *Server) getEvent(c *call) (any, *apiError) {
	id := c.r.PathValue("id")
	ev, ok := s.st.Events.get(id)
	if !ok {
		return nil, noSuch("event", id, "id")
	}
	if err := checkExpand("event", c.form.strings("expand")); err != nil {
		return nil, err
	}
	return ev, nil
}
