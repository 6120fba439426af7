package billing

import (
	"crypto/rand"
	"regexp"
	"strings"
)

// crockford is Crockford's base32 alphabet: no I, L, O or U, so a reference
// read aloud over the phone or copied from a screenshot survives.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewPublicRef returns an unguessable reference to show a customer, 80 bits
// in four groups: "7KQ2-M9XA-4TZP-HC3B".
func NewPublicRef() string { return randomGroups(4) }

// NewFormToken returns the hidden token that makes a double submit of the
// checkout form create one order.
func NewFormToken() string { return strings.ReplaceAll(randomGroups(5), "-", "") }

func randomGroups(groups int) string {
	b := make([]byte, groups*4)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(crockford[int(c)%32])
	}
	return sb.String()
}

// NormalizeRef uppercases a reference a person typed and maps the letters
// Crockford's alphabet leaves out to the digits they look like.
func NormalizeRef(ref string) string {
	r := strings.NewReplacer("I", "1", "L", "1", "O", "0", " ", "")
	return r.Replace(strings.ToUpper(strings.TrimSpace(ref)))
}

// refPattern is the shape of a normalised public reference. Anything else
// (a forged cookie, a truncated link) is not looked up at all.
var refPattern = regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)
