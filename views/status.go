package views

import (
	"net/url"
	"strconv"
)

// StatusView is what the status page shows. Stage is one of waiting, open,
// held, ready, closed, refunded, disputed; an unknown reference is
// "waiting" with nothing else filled in, exactly like an order whose
// payment is not yet confirmed, so the page reveals nothing about which
// references exist.
type StatusView struct {
	Ref          string
	Stage        string
	PlanName     string
	Amount       string
	ValidUntil   string
	Email        string
	SupportEmail string
	// StartedAt and PaidAt are when the order was started and paid, for
	// people ("10:02 UTC on 1 December 2026"); PaidAt is empty until paid.
	StartedAt string
	PaidAt    string
	// Back is set when the customer was brought here instead of to a new
	// payment page: the page says they already paid, or that their
	// checkout is still open, and how to buy again on purpose.
	Back bool
	// PayURL is the processor's payment page of an order still open there
	// (Stage "open").
	PayURL string
	// Poll counts the page's own refreshes; the delay grows with it.
	Poll int
}

// Returning is v for a customer brought back to this order instead of a
// new payment page; open says the processor's page at payURL can still be
// paid, which the order's own status (waiting) cannot tell.
func (v StatusView) Returning(open bool, payURL string) StatusView {
	v.Back = true
	if open && v.Stage == "waiting" && payURL != "" {
		v.Stage, v.PayURL = "open", payURL
	}
	return v
}

// StatusLookupView is the /status form.
type StatusLookupView struct {
	Ref          string
	SupportEmail string
	// ByEmail shows the second form, by email (POST /status); Email and
	// EmailError are what was typed there and why it was refused.
	ByEmail    bool
	Email      string
	EmailError string
}

func (v StatusView) title() string {
	switch v.Stage {
	case "ready":
		return "Your account is ready"
	case "open":
		return "Your checkout is still open"
	case "held":
		return "We have your payment"
	case "closed":
		return "This checkout was closed"
	case "refunded":
		return "This payment was refunded"
	case "disputed":
		return "This payment is disputed"
	}
	return "We are confirming your payment"
}

func (v StatusView) polling() bool { return v.Stage == "waiting" }

// PollDelaySeconds backs off 2, 3, 5, 8, 13, 21, then every 30 seconds, so a
// page left open all day costs little.
func (v StatusView) PollDelaySeconds() int {
	a, b := 2, 3
	for i := 0; i < v.Poll; i++ {
		a, b = b, a+b
	}
	return min(a, 30)
}

func (v StatusView) pollURL() string {
	return "/status/" + url.PathEscape(v.Ref) + "?poll=" + strconv.Itoa(v.Poll+1)
}
