package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Limit is at most Max attempts per Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// CustomerLimits bound the customer's own look-ups, per client address
// (the connection's, never a forwarded header anyone can set) and per
// email typed. A zero Limit takes its default. Each machine counts for
// itself, as the sign-in limit does.
type CustomerLimits struct {
	// StatusPerClient and StatusPerEmail bound POST /status: past them
	// the page answers the same and nothing is sent. Defaults 10 per 10
	// minutes, and 3 an hour.
	StatusPerClient Limit
	StatusPerEmail  Limit
	// RefMissesPerClient bounds unknown references on /status/{ref}:
	// past it every reference gets the unknown reference's page without a
	// look-up. A customer's own page polling its order never counts, so
	// the limit can be tight. Default 60 per 10 minutes.
	RefMissesPerClient Limit
	// ClaimPerClient and ClaimPerEmail bound POST /claim, each attempt
	// one processor listing. Defaults 10 an hour, and 5 an hour.
	ClaimPerClient Limit
	ClaimPerEmail  Limit
}

// customerLimiters are the running counters of CustomerLimits.
type customerLimiters struct {
	statusClient, statusEmail, refMisses, claimClient, claimEmail *attemptLimiter
}

func newCustomerLimiters(l CustomerLimits) *customerLimiters {
	lim := func(l, def Limit) *attemptLimiter {
		if l.Max <= 0 || l.Window <= 0 {
			l = def
		}
		return newAttemptLimiter(l.Max, l.Window)
	}
	return &customerLimiters{
		statusClient: lim(l.StatusPerClient, Limit{10, 10 * time.Minute}),
		statusEmail:  lim(l.StatusPerEmail, Limit{3, time.Hour}),
		refMisses:    lim(l.RefMissesPerClient, Limit{60, 10 * time.Minute}),
		claimClient:  lim(l.ClaimPerClient, Limit{10, time.Hour}),
		claimEmail:   lim(l.ClaimPerEmail, Limit{5, time.Hour}),
	}
}

// allowStatus counts a status-by-email request; the address is counted
// only when the client is within its limit.
func (l *customerLimiters) allowStatus(c *fiber.Ctx, email string) bool {
	return l.statusClient.take(c.IP()) && l.statusEmail.take(emailKey(email))
}

// allowClaim counts a claim likewise.
func (l *customerLimiters) allowClaim(c *fiber.Ctx, email string) bool {
	return l.claimClient.take(c.IP()) && l.claimEmail.take(emailKey(email))
}

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
