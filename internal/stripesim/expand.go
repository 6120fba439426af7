package stripesim

import (
	"encoding/json"
	"strings"
)

// expandable maps, per object type, each field that expand[] may replace
// with a full object to the type of that object.
func expandable(objType string) map[string]string {
	switch objType {
	case "checkout.session":
		return map[string]string{"payment_intent": "payment_intent", "subscription": "subscription", "invoice": "invoice"}
	case "subscription":
		return map[string]string{"latest_invoice": "invoice"}
	case "invoice":
		return map[string]string{"payment_intent": "payment_intent", "charge": "charge", "subscription": "subscription"}
	case "payment_intent":
		return map[string]string{"latest_charge": "charge", "invoice": "invoice"}
	case "charge":
		// customer is always null here (no customer objects), so
		// expanding it leaves it null, as Stripe does for a guest payment.
		return map[string]string{"payment_intent": "payment_intent", "customer": "customer", "invoice": "invoice"}
	case "refund", "dispute":
		return map[string]string{"charge": "charge", "payment_intent": "payment_intent"}
	}
	return nil
}

// checkExpand refuses any path, such as "bogus" or "latest_charge.x", that
// does not name expandable fields all the way down; Stripe answers 400.
func checkExpand(objType string, paths []string) *apiError {
	for _, p := range paths {
		t := objType
		for _, field := range strings.Split(p, ".") {
			next, ok := expandable(t)[field]
			if !ok {
				return invalidValue("expand", "This property cannot be expanded (%s).", p)
			}
			t = next
		}
	}
	return nil
}

// listExpand strips the "data." prefix list expansions carry.
func listExpand(objType string, paths []string) ([]string, *apiError) {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		rest, ok := strings.CutPrefix(p, "data.")
		if !ok {
			return nil, invalidValue("expand", "This property cannot be expanded (%s). "+
				"List expansions start with data., e.g. data.%s.", p, p)
		}
		out = append(out, rest)
	}
	return out, checkExpand(objType, out)
}

// render returns v as sent to the client, with the (already checked)
// expand paths replaced by full objects. The caller holds s.mu.
func (s *Server) render(v any, paths []string) any {
	if len(paths) == 0 {
		return v
	}
	m := toMap(v)
	for _, p := range paths {
		s.expandPath(m, strings.Split(p, "."))
	}
	return m
}

func (s *Server) expandPath(m map[string]any, path []string) {
	field := path[0]
	switch val := m[field].(type) {
	case string:
		obj, ok := s.st.lookup(val)
		if !ok {
			return
		}
		sub := toMap(obj)
		m[field] = sub
		if len(path) > 1 {
			s.expandPath(sub, path[1:])
		}
	case map[string]any: // already expanded by an earlier, shorter path
		if len(path) > 1 {
			s.expandPath(val, path[1:])
		}
	}
}

func toMap(v any) map[string]any {
	var m map[string]any
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &m)
	return m
}
