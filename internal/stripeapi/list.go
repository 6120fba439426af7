package stripeapi

import (
	"fmt"

	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

// pageSize is Stripe's largest page.
const pageSize = 100

// iterator is what every stripe-go list iterator has: it fetches the next
// page itself when the current one runs out.
type iterator interface {
	Next() bool
	Err() error
}

// stream converts each listed object and hands it to fn. An error from fn
// stops the listing and is returned as is; a processor error is mapped.
func stream[S any, D any](it iterator, current func() S, convert func(S) D, fn func(D) error, op string) error {
	for {
		more, err := next(it)
		if err != nil {
			return fail(op, err)
		}
		if !more {
			return fail(op, it.Err())
		}
		if err := fn(convert(current())); err != nil {
			return err
		}
	}
}

// next advances it, turning the panic stripe-go v76 raises on a first page
// with has_more true and no data (a broken server) into an error.
func next(it iterator) (more bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("list iterator panicked on a malformed page: %v", r)
		}
	}()
	return it.Next(), nil
}

// createdRange bounds a listing by creation time, inclusive; a zero end is
// left out, and so is the whole filter when both are zero.
func createdRange(r billing.Range) *stripe.RangeQueryParams {
	if r.From.IsZero() && r.To.IsZero() {
		return nil
	}
	q := &stripe.RangeQueryParams{}
	if !r.From.IsZero() {
		q.GreaterThanOrEqual = r.From.Unix()
	}
	if !r.To.IsZero() {
		q.LesserThanOrEqual = r.To.Unix()
	}
	return q
}
