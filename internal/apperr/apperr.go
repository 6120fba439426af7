// Package apperr is the one error type of Backstop. Every layer wraps what it
// returns in an *Error with a Kind, and the web layer maps kinds to HTTP
// statuses in one place. Msg is always safe to show to a user; the wrapped Err
// carries the internal chain for logs and error reports and is never shown.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

const (
	// Internal is the default: a bug or an unexpected failure.
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Forbidden
	Unauthenticated
	Unavailable
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "forbidden", "unauthenticated", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is an error with a kind and a message that is safe to show.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Msg != "":
		return e.Msg + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	default:
		return e.Msg
	}
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a safe message.
func New(k Kind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// Wrap returns err as an error of kind k with a safe message. A nil err gives nil.
func Wrap(k Kind, msg string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: k, Msg: msg, Err: err}
}

// KindOf reports the kind of the outermost *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err's kind is k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// SafeMessage returns the message to show a user: the outermost Msg when the
// kind is not Internal, else fallback. It never returns err.Error().
func SafeMessage(err error, fallback string) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal && e.Msg != "" {
		return e.Msg
	}
	return fallback
}
