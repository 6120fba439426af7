package resolve

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/apperr"
)

// Limits on what staff type, so a paste of a whole email thread is
// refused with words instead of bloating every page that shows it.
const (
	maxReason  = 1000
	maxNote    = 4000
	maxComment = 1000
	maxEmail   = 254
)

// cleanText trims s and refuses, with apperr Invalid, text the database
// cannot store (a NUL byte, invalid UTF-8), control characters other than
// line breaks and tabs, and text longer than max characters.
func cleanText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", apperr.New(apperr.Invalid, fmt.Sprintf("The %s has characters we cannot store.", field))
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "", apperr.New(apperr.Invalid, fmt.Sprintf("The %s has characters we cannot store.", field))
		}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", apperr.New(apperr.Invalid, fmt.Sprintf("The %s is %d characters long; keep it under %d.", field, n, max))
	}
	return s, nil
}

// emailShape is the sweep's test of a usable address (store's "drop bad
// emails" step): something@something.tld without spaces or brackets.
var emailShape = regexp.MustCompile(`^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$`)

// usableEmail reports whether we can write to addr.
func usableEmail(addr string) bool {
	addr = strings.TrimSpace(addr)
	if len(addr) > maxEmail || !emailShape.MatchString(addr) {
		return false
	}
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Name == "" && a.Address == addr
}

// normalizeEmail lowercases an address staff typed and refuses, with
// apperr Invalid, anything we could not write to.
func normalizeEmail(addr string) (string, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return "", apperr.New(apperr.Invalid, "Type the email address of the account this payment is for.")
	}
	if !usableEmail(addr) {
		return "", apperr.New(apperr.Invalid, fmt.Sprintf(
			"%q is not an address we can write to: use a plain address like ana@example.com.", clip(addr, 80)))
	}
	return addr, nil
}

// firstUsable returns the first address we can write to, or "".
func firstUsable(addrs ...string) string {
	for _, a := range addrs {
		if a = strings.TrimSpace(a); usableEmail(a) {
			return a
		}
	}
	return ""
}

// displayName is how a staff member is named to the other and to
// customers: the part of the address before @, in words ("alice.smith@…"
// is "Alice Smith").
func displayName(email string) string {
	local, _, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[size:]
	}
	if len(words) == 0 {
		return email
	}
	return strings.Join(words, " ")
}

// clock is a time for a sentence: "10:42 UTC" today, "3 March 10:42 UTC"
// on another day.
func clock(t, now time.Time) string {
	t, now = t.UTC(), now.UTC()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04 UTC")
	}
	return t.Format("2 January 15:04 UTC")
}

// day is a date for customers: "1 December 2027".
func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
