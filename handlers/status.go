package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
)

// handleStatus is GET /status/:ref. An unknown reference renders exactly like
// an order still waiting for its payment, with 200, so references cannot be
// probed; the page polls itself until the account is ready.
func handleStatus(co Checkout, supportEmail string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ref := billing.NormalizeRef(c.Params("ref"))
		st, err := co.OrderStatus(c.UserContext(), ref)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		poll, _ := strconv.Atoi(c.Query("poll"))
		v := statusView(ref, st, supportEmail, min(max(poll, 0), 50))
		return render(c, fiber.StatusOK, views.StatusPage(v), views.StatusPanel(v))
	}
}

// handleStatusLookup is GET /status: a form for the reference, which sends
// the customer on to /status/{ref}.
func handleStatusLookup(supportEmail string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if ref := billing.NormalizeRef(c.Query("ref")); ref != "" {
			return c.Redirect("/status/"+ref, fiber.StatusSeeOther)
		}
		v := views.StatusLookupView{SupportEmail: supportEmail}
		return render(c, fiber.StatusOK, views.StatusLookupPage(v), views.StatusLookupForm(v))
	}
}

func statusView(ref string, st billing.OrderStatus, supportEmail string, poll int) views.StatusView {
	v := views.StatusView{Ref: ref, Stage: "waiting", SupportEmail: supportEmail, Poll: poll}
	if st.Order.ID == 0 {
		return v
	}
	v.Stage = st.Stage()
	v.PlanName = st.Plan.Name
	v.Amount = billing.FormatMoney(st.Order.Amount, st.Order.Currency)
	v.Email = st.Order.Email
	if !st.ValidUntil.IsZero() {
		v.ValidUntil = st.ValidUntil.UTC().Format("2 January 2006")
	}
	return v
}
