package fuzzcheck

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	stripe "github.com/stripe/stripe-go/v76"
)

// WellFormedEvent reports whether body is what Stripe would send: an event
// stripe-go decodes, with an id, a type and our API version, and text
// PostgreSQL can store (TextOnly).
func WellFormedEvent(body []byte) bool {
	var e stripe.Event
	return json.Unmarshal(body, &e) == nil && e.ID != "" && e.Type != "" && e.APIVersion == stripe.APIVersion && TextOnly(body)
}

var surrogateEscape = regexp.MustCompile(`(?i)\\ud[89a-f]`)

// TextOnly reports whether JSON is UTF-8, with no surrogate escape (a
// pair is storable, but an oracle only needs to say what surely is) and
// no key or string holding a NUL.
func TextOnly(js []byte) bool {
	if !utf8.Valid(js) || surrogateEscape.Match(js) {
		return false
	}
	var v any
	if json.Unmarshal(js, &v) != nil {
		return false
	}
	return noNUL(v)
}

// noNUL reports whether no string or key in a decoded JSON value holds a
// NUL character.
func noNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return !strings.ContainsRune(v, 0)
	case []any:
		for _, e := range v {
			if !noNUL(e) {
				return false
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.ContainsRune(k, 0) || !noNUL(e) {
				return false
			}
		}
	}
	return true
}

// Abs is the absolute value of n, for offsets in seconds.
func Abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
