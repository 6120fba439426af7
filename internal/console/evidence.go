package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// Section is a titled list of facts, e.g. "Payment" with its id, amount
// and email.
type Section struct {
	Title  string
	Fields []Field
	Note   string // said instead of fields, e.g. for a part that was empty
}

// Field is one fact: a name and its value, both in words.
type Field struct {
	Name  string
	Value string
}

// sectionOrder puts the evidence's parts in the order a person reads them:
// what the processor saw first, then our order, then the plan.
var sectionOrder = []string{"payment", "dispute", "refund", "checkout_session", "processor", "order", "plan"}

// evidenceSections turns the JSON snapshot a run kept into sections: each
// top-level object is one, nested objects become dotted names, amounts
// beside a currency are money, and times are UTC. What cannot be read is
// shown as it is, never dropped.
func evidenceSections(raw json.RawMessage) []Section {
	var top map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&top) != nil {
		if len(bytes.TrimSpace(raw)) == 0 {
			return nil
		}
		return []Section{{Title: "Snapshot", Fields: []Field{{Name: "as stored", Value: string(raw)}}}}
	}
	var out []Section
	var loose []Field
	for _, k := range orderedKeys(top, sectionOrder) {
		switch v := top[k].(type) {
		case map[string]any:
			out = append(out, Section{Title: humanize(k), Fields: flatten("", v)})
		case nil:
			out = append(out, Section{Title: humanize(k), Note: "None when this was seen."})
		default:
			loose = append(loose, Field{Name: humanize(k), Value: scalar(k, v, "")})
		}
	}
	if len(loose) > 0 {
		out = append(out, Section{Title: "Details", Fields: loose})
	}
	return out
}

// flatten lists obj's fields, nested objects as "metadata plan".
func flatten(prefix string, obj map[string]any) []Field {
	currency, _ := obj["currency"].(string)
	var out []Field
	for _, k := range orderedKeys(obj, nil) {
		name := strings.TrimSpace(prefix + " " + humanize(k))
		if sub, ok := obj[k].(map[string]any); ok {
			out = append(out, flatten(name, sub)...)
			continue
		}
		out = append(out, Field{Name: name, Value: scalar(k, obj[k], currency)})
	}
	return out
}

// scalar words one JSON value. An amount (a key ending in "amount" or
// "total") next to a currency is shown as money.
func scalar(key string, v any, currency string) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case json.Number:
		if n, err := x.Int64(); err == nil && currency != "" && (strings.HasSuffix(key, "amount") || strings.HasSuffix(key, "total")) {
			return Money(n, currency)
		}
		return x.String()
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC().Format("2 Jan 2006 15:04:05 UTC")
		}
		if x == "" {
			return "—"
		}
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// orderedKeys is m's keys: those in first in its order, then the rest by
// name.
func orderedKeys(m map[string]any, first []string) []string {
	var out, rest []string
	for _, k := range first {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	for k := range m {
		if !slices.Contains(first, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// humanize turns "payment_intent" into "Payment intent".
func humanize(k string) string { return upper(strings.ReplaceAll(k, "_", " ")) }

// TimelineItem is one line of a mismatch's timeline.
type TimelineItem struct {
	At      time.Time
	Who     string // "Backstop" for the order's own events, else the staff member
	What    string
	Details []Field
}

// orderEventWords says what each kind of order event means.
var orderEventWords = map[string]string{
	"fulfilled":  "Served: access granted and the email queued",
	"held":       "Held for a person: paid but not served",
	"not_served": "Not served: the payment was refunded or disputed first",
	"rebuilt":    "Order rebuilt from the processor's records",
	"expired":    "Checkout expired without a payment",
	"refunded":   "Refunded at the processor",
	"disputed":   "Disputed with the bank",
	// A renewal's charge refunded in full; the order's first purchase stands.
	"renewal_refunded": "A renewal refunded at the processor",
	// A customer's claim found this order already served.
	"claimed_again": "Claimed again on Claim my purchase: the access email sent again",
}

func timelineItems(entries []store.TimelineEntry) []TimelineItem {
	out := make([]TimelineItem, 0, len(entries))
	for _, e := range entries {
		it := TimelineItem{At: e.At, Who: e.Actor, What: e.What}
		if e.Source == "order" {
			it.Who = "Backstop"
			if w, ok := orderEventWords[e.What]; ok {
				it.What = w
			}
		}
		var detail map[string]any
		dec := json.NewDecoder(strings.NewReader(e.Detail))
		dec.UseNumber()
		if err := dec.Decode(&detail); err == nil {
			it.Details = flatten("", detail)
		} else if e.Detail != "" {
			it.Details = []Field{{Name: "detail", Value: fmt.Sprint(e.Detail)}}
		}
		out = append(out, it)
	}
	return out
}
