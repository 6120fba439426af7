package handlers

import (
	"crypto/rand"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/views"
)

// handlePricing is GET /: the plans on sale, each with a checkout form
// carrying a fresh form token. A browser coming back to an order it already
// paid for, or one still open at the processor, is taken to that order's
// status page instead (co may be nil: no such check). ?again=1 is the
// customer's deliberate second purchase: no check, and the forms say so.
func handlePricing(plans PlanLister, co Checkout, oc orderCookie, log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		again := c.Query("again") == "1"
		if !again {
			if to := priorRedirect(c, co, oc, log); to != "" {
				return redirect(c, to)
			}
		}
		list, err := plans.Plans(c.UserContext(), true)
		if err != nil {
			return err
		}
		v := views.PricingView{Plans: list, FormToken: newFormToken(), Again: again}
		return render(c, fiber.StatusOK, views.PricingPage(v), views.PricingContent(v))
	}
}

// newFormToken returns 128 random bits as 26 base32 characters. POST
// /checkout uses it, with the email and the plan, as the idempotency key of
// the order it creates, so a double click or a resubmitted form starts one
// checkout.
func newFormToken() string { return rand.Text() }
