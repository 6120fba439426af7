package views

import (
	"net/url"
	"strconv"
)

// StatusView is what the status page shows. Stage is one of waiting, held,
// ready, closed, refunded, disputed; an unknown reference is "waiting" with
// nothing else filled in, exactly like an order whose payment is not yet
// confirmed, so the page reveals nothing about which references exist.
type StatusView struct {
	Ref          string
	Stage        string
	PlanName     string
	Amount       string
	ValidUntil   string
	Email        string
	SupportEmail string
	// Poll counts the page's own refreshes; the delay grows with it.
	Poll int
}

// StatusLookupView is the /status form.
type StatusLookupView struct {
	Ref          string
	SupportEmail string
}

func (v StatusView) title() string {
	switch v.Stage {
	case "ready":
		return "Your account is ready"
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
