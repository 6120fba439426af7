package handlers

import (
	"context"
	"crypto/rand"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
)

// handlePricing is GET /: the plans on sale, each with a checkout form
// carrying a fresh form token.
func handlePricing(plans interface {
	Plans(ctx context.Context, activeOnly bool) ([]billing.Plan, error)
}) fiber.Handler {
	return func(c *fiber.Ctx) error {
		list, err := plans.Plans(c.UserContext(), true)
		if err != nil {
			return err
		}
		v := views.PricingView{Plans: list, FormToken: newFormToken()}
		return render(c, fiber.StatusOK, views.PricingPage(v), views.PricingContent(v))
	}
}

// newFormToken returns 128 random bits as 26 base32 characters. POST
// /checkout uses it as the idempotency key of the order it creates, so a
// double click or a resubmitted form starts one checkout.
func newFormToken() string { return rand.Text() }
