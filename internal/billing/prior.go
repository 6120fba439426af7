package billing

import (
	"context"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// PriorWindow is how long an earlier purchase stops a second one by
// mistake: the order cookie lives this long, and an address that bought a
// plan this recently is told so by email when it starts buying it again.
const PriorWindow = 24 * time.Hour

// What an earlier order of the same browser is, in the terms of the guard
// against a second charge (DESIGN section 5, step 0).
const (
	// PriorNone: nothing stops a new purchase (no such order, too old,
	// expired, failed, refunded or disputed).
	PriorNone = ""
	// PriorServed: paid and served; the account is ready.
	PriorServed = "served"
	// PriorHeld: paid, on hold for a person.
	PriorHeld = "held"
	// PriorProcessing: the processor completed the checkout and the money
	// is on its way (a delayed payment method).
	PriorProcessing = "processing"
	// PriorOpen: the processor's payment page is still open and can be paid.
	PriorOpen = "open"
)

// Prior is an earlier order a returning browser started, as the processor
// sees it now.
type Prior struct {
	Order Order
	State string
	// PayURL is the processor's payment page, for PriorOpen.
	PayURL string
}

// Blocks reports whether a new payment page would risk a second charge.
func (p Prior) Blocks() bool { return p.State != PriorNone }

// stops says whether the browser's earlier order takes the place of a new
// checkout for email, and where to send the customer ("" for its status
// page). An open checkout of the same form goes back to its payment page,
// as a double submit always has; one for another address does not stop a
// corrected email from starting its own order.
func (p Prior) stops(email, key string) (Order, string, bool) {
	switch {
	case !p.Blocks():
		return Order{}, "", false
	case p.State != PriorOpen:
		return p.Order, "", true
	case p.Order.IdempotencyKey == key:
		return p.Order, p.PayURL, true
	case strings.EqualFold(p.Order.Email, email):
		return p.Order, "", true
	}
	return Order{}, "", false
}

// PriorOrder says whether the order with public reference ref (read from
// the browser's order cookie, so anything at all) stops that browser from
// being sent to a new payment page. A pending order is asked about live at
// the processor, outside any transaction; one the processor says is paid is
// served on the spot through Fulfill, so the customer lands on a ready
// account. An unknown or malformed reference is PriorNone, not an error;
// errors are the processor's or the database's (Unavailable, Internal).
func (s *Service) PriorOrder(ctx context.Context, ref string) (Prior, error) {
	return s.priorOrder(ctx, ref, "")
}

// priorOrder is PriorOrder limited to one plan when plan is not empty: an
// order for another plan never blocks and is not asked about.
func (s *Service) priorOrder(ctx context.Context, ref, plan string) (Prior, error) {
	ref = NormalizeRef(ref)
	if !refPattern.MatchString(ref) {
		return Prior{}, nil
	}
	o, err := s.orderByRef(ctx, ref)
	if apperr.Is(err, apperr.NotFound) {
		return Prior{}, nil
	} else if err != nil {
		return Prior{}, err
	}
	if (plan != "" && o.PlanCode != plan) || s.now().Sub(o.CreatedAt) > PriorWindow {
		return Prior{}, nil
	}
	switch o.Status {
	case StatusFulfilled:
		return Prior{Order: o, State: PriorServed}, nil
	case StatusPaid:
		return Prior{Order: o, State: PriorHeld}, nil
	case StatusPending:
		return s.priorAtProcessor(ctx, o)
	}
	return Prior{}, nil
}

// priorAtProcessor asks the processor where a pending order's checkout
// stands. An order without a stored session (a crash between creating it
// and storing its id) cannot be looked up and does not block; the sweep
// repairs it if it was paid.
func (s *Service) priorAtProcessor(ctx context.Context, o Order) (Prior, error) {
	if o.CheckoutSessionID == "" {
		return Prior{}, nil
	}
	sess, err := s.proc.GetCheckoutSession(ctx, o.CheckoutSessionID)
	if apperr.Is(err, apperr.NotFound) {
		return Prior{}, nil
	} else if err != nil {
		return Prior{}, err
	}
	switch {
	case sess.Paid():
		// The customer's own flow coming back after a blank page: serve it
		// now, as the return page would have, through the one idempotent
		// Fulfill (fulfilled_via return_page).
		served, err := s.serveSession(ctx, sess)
		if err != nil {
			return Prior{}, err
		}
		return priorOf(served), nil
	case sess.Status == "open":
		return Prior{Order: o, State: PriorOpen, PayURL: sess.URL}, nil
	case sess.Status == "complete":
		return Prior{Order: o, State: PriorProcessing}, nil
	}
	return Prior{}, nil // expired: nothing was charged
}

// priorOf is what an order that Fulfill has just seen stops.
func priorOf(o Order) Prior {
	switch o.Status {
	case StatusFulfilled:
		return Prior{Order: o, State: PriorServed}
	case StatusPaid:
		return Prior{Order: o, State: PriorHeld}
	case StatusPending:
		return Prior{Order: o, State: PriorProcessing}
	}
	return Prior{} // refunded or disputed before it was served
}

func (s *Service) orderByRef(ctx context.Context, ref string) (Order, error) {
	var o Order
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		o, err = tx.OrderByPublicRef(ctx, ref)
		return err
	})
	return o, err
}
