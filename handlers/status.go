package handlers

import (
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
)

// handleStatus is GET /status/:ref. An unknown reference renders exactly like
// an order still waiting for its payment, with 200, so references cannot be
// probed; the page polls itself until the account is ready. With ?back=1 (a
// customer taken here instead of to a new payment page) the processor is
// asked live: a paid order is served on the spot, and one still open at the
// processor offers its payment page again.
func handleStatus(co Checkout, supportEmail string, log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ref := billing.NormalizeRef(c.Params("ref"))
		back := c.Query("back") == "1"
		var prior billing.Prior
		if back {
			var err error
			if prior, err = co.PriorOrder(c.UserContext(), ref); err != nil {
				// What we know ourselves is still worth showing.
				log.WarnContext(c.UserContext(), "earlier order not checked", "err", err)
			}
		}
		st, err := co.OrderStatus(c.UserContext(), ref)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		poll, _ := strconv.Atoi(c.Query("poll"))
		v := statusView(ref, st, supportEmail, min(max(poll, 0), 50))
		if back {
			v = v.Returning(prior.State == billing.PriorOpen, prior.PayURL)
		}
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
	v.StartedAt = st.Order.CreatedAt.UTC().Format(pageTime)
	if st.Order.PaidAt != nil {
		v.PaidAt = st.Order.PaidAt.UTC().Format(pageTime)
	}
	if !st.ValidUntil.IsZero() {
		v.ValidUntil = st.ValidUntil.UTC().Format("2 January 2006")
	}
	return v
}

// pageTime is how customer pages show a moment.
const pageTime = "15:04 UTC on 2 January 2006"
