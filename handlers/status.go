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
//
// A client that has asked for too many unknown references (misses) gets
// the unknown reference's page for every reference, without a look-up,
// until its window ends. Only misses count, so a customer's page polling
// its own order never runs into the limit.
func handleStatus(co Checkout, supportEmail string, misses *attemptLimiter, log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ref := billing.NormalizeRef(c.Params("ref"))
		back := c.Query("back") == "1"
		var prior billing.Prior
		var st billing.OrderStatus
		if limited, _ := misses.blocked(c.IP()); !limited {
			if back {
				var err error
				if prior, err = co.PriorOrder(c.UserContext(), ref); err != nil {
					// What we know ourselves is still worth showing.
					log.WarnContext(c.UserContext(), "earlier order not checked", "err", err)
				}
			}
			var err error
			st, err = co.OrderStatus(c.UserContext(), ref)
			if err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if st.Order.ID == 0 {
				misses.fail(c.IP())
			}
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
// the customer on to /status/{ref}, and, when byEmail, one for the email
// (POST /status).
func handleStatusLookup(supportEmail string, byEmail bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if ref := billing.NormalizeRef(c.Query("ref")); ref != "" {
			return c.Redirect("/status/"+ref, fiber.StatusSeeOther)
		}
		v := views.StatusLookupView{SupportEmail: supportEmail, ByEmail: byEmail}
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
