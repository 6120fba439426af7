package billing

import (
	"strconv"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/apperr"
)

// ErrUnstorable (apperr Invalid) refuses an event whose payload PostgreSQL
// cannot keep in jsonb. Retrying it changes nothing: the processor sends
// the same bytes every time.
var ErrUnstorable = apperr.New(apperr.Invalid, "event payload is not text PostgreSQL can store (a NUL character, broken UTF-8 or a lone surrogate)")

// CheckStorable refuses with ErrUnstorable an event whose payload
// PostgreSQL cannot store. The store calls it before inserting an event,
// whichever path brought it (webhook or event catch-up); the webhook's
// verifier also refuses such a delivery up front with StorablePayload, so
// the sender gets a 400 rather than a 500 it would retry forever.
func (ev Event) CheckStorable() error {
	if StorablePayload(ev.Raw) {
		return nil
	}
	return ErrUnstorable
}

// StorablePayload reports whether JSON text can be stored as jsonb: UTF-8,
// with no NUL character, raw or as the escape \u0000, and no \uD800–\uDFFF
// escape outside a surrogate pair (an escaped backslash before "u" is no
// escape).
func StorablePayload(payload []byte) bool {
	if !utf8.Valid(payload) {
		return false
	}
	for i := 0; i < len(payload); i++ {
		switch payload[i] {
		case 0:
			return false
		case '\\':
			r, ok := escapedRune(payload[i+1:])
			switch {
			case ok && r == 0, ok && r >= 0xDC00 && r <= 0xDFFF:
				return false
			case ok && r >= 0xD800 && r <= 0xDBFF:
				low, ok := escapedRune(payload[min(i+7, len(payload)):])
				if !ok || low < 0xDC00 || low > 0xDFFF || i+6 >= len(payload) || payload[i+6] != '\\' {
					return false
				}
				i += 6
			}
			i++ // the escaped character
		}
	}
	return true
}

// escapedRune reads "uXXXX" at the start of b, after a backslash.
func escapedRune(b []byte) (rune, bool) {
	if len(b) < 5 || b[0] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[1:5]), 16, 32)
	return rune(n), err == nil
}
