package handlers

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/billing"
)

// orderCookieName is the cookie that names the order this browser started
// last (DESIGN section 5, step 0), so that coming back after a blank page
// leads to that order instead of a second payment.
const orderCookieName = "backstop_order"

// orderCookie writes and reads that cookie. Its value is the order's public
// reference: 80 random bits, which already open the order's status page, so
// the cookie grants nothing its holder could not see, and cannot be forged
// into someone else's order.
type orderCookie struct {
	secure bool // only over HTTPS, when the app is served so
}

func newOrderCookie(baseURL string) orderCookie {
	return orderCookie{secure: strings.HasPrefix(strings.ToLower(baseURL), "https://")}
}

func (oc orderCookie) set(c *fiber.Ctx, ref string) {
	c.Cookie(&fiber.Cookie{
		Name: orderCookieName, Value: ref, Path: "/",
		MaxAge: int(billing.PriorWindow / time.Second), Expires: time.Now().Add(billing.PriorWindow),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: oc.secure,
	})
}

func (oc orderCookie) clear(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: orderCookieName, Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: oc.secure,
	})
}

func (orderCookie) ref(c *fiber.Ctx) string { return c.Cookies(orderCookieName) }

// priorStatusURL is the status page of an earlier order, telling the
// customer they came back to something they already have.
func priorStatusURL(ref string) string { return "/status/" + ref + "?back=1" }

// priorRedirect is where GET / sends a browser whose cookie names an order
// that is paid, served or still open at the processor; "" shows the
// pricing page. A customer who left the processor's page on purpose
// (its cancel link) sees the pricing page, unless the order got paid. When
// the check fails the pricing page is shown anyway: POST /checkout asks
// again, and refuses to start a payment without an answer.
func priorRedirect(c *fiber.Ctx, co Checkout, oc orderCookie, log *slog.Logger) string {
	ref := oc.ref(c)
	if ref == "" || co == nil {
		return ""
	}
	p, err := co.PriorOrder(c.UserContext(), ref)
	if err != nil {
		log.WarnContext(c.UserContext(), "earlier order not checked", "err", err)
		return ""
	}
	switch {
	case !p.Blocks():
		oc.clear(c) // nothing to come back to: no need to ask again
		return ""
	case p.State == billing.PriorOpen && billing.NormalizeRef(c.Query("canceled")) == p.Order.PublicRef:
		return ""
	}
	return priorStatusURL(p.Order.PublicRef)
}
