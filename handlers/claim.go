package handlers

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
)

// handleClaimForm is GET /claim: the form of Claim my purchase.
func handleClaimForm(supportEmail string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := views.ClaimView{SupportEmail: supportEmail}
		return render(c, fiber.StatusOK, views.ClaimPage(v), views.ClaimPanel(v))
	}
}

// handleClaim is POST /claim (form: email, amount, date, last4, receipt).
// An invalid form comes back with 422 and the reason beside the field;
// past the limits per client and per email the customer is asked to wait,
// and the processor is not asked. Otherwise the processor is asked once and
// the outcome has its own page, rendered in answer to the POST: the outcome
// is nowhere to redirect to without putting it in a URL.
func handleClaim(ss SelfService, lim *customerLimiters, supportEmail string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		form := billing.ClaimForm{
			Email: c.FormValue("email"), Amount: c.FormValue("amount"), Date: c.FormValue("date"),
			Last4: c.FormValue("last4"), Receipt: c.FormValue("receipt"),
		}
		claim, err := billing.ParseClaim(form, time.Now())
		var fe *billing.FieldError
		if errors.As(err, &fe) {
			v := claimFormView(form, fe, supportEmail)
			return render(c, fiber.StatusUnprocessableEntity, views.ClaimPage(v), views.ClaimPanel(v))
		}
		if err != nil {
			return err
		}
		v := views.ClaimView{SupportEmail: supportEmail, Outcome: "limited"}
		if !lim.allowClaim(c, claim.Email) {
			return render(c, fiber.StatusTooManyRequests, views.ClaimPage(v), views.ClaimPanel(v))
		}
		res, err := ss.Claim(c.UserContext(), claim)
		if err != nil {
			return err
		}
		v = claimView(claim, res, supportEmail)
		return render(c, fiber.StatusOK, views.ClaimPage(v), views.ClaimPanel(v))
	}
}

func claimFormView(f billing.ClaimForm, fe *billing.FieldError, supportEmail string) views.ClaimView {
	v := views.ClaimView{SupportEmail: supportEmail, Form: views.ClaimFormValues(f)}
	switch fe.Field {
	case "email":
		v.Errors.Email = fe.Msg
	case "amount":
		v.Errors.Amount = fe.Msg
	case "date":
		v.Errors.Date = fe.Msg
	case "last4":
		v.Errors.Last4 = fe.Msg
	default:
		v.Errors.Receipt = fe.Msg
	}
	return v
}

// claimView words an outcome. It carries the claim's amount and day, which
// the customer typed, and an address only when billing says the customer
// typed it too.
func claimView(c billing.Claim, res billing.ClaimResult, supportEmail string) views.ClaimView {
	return views.ClaimView{
		SupportEmail: supportEmail, Outcome: res.Outcome, SentTo: res.SentTo, Resent: res.Resent,
		Unserved: res.Unserved, Amount: res.Claimed, Day: c.Day.Format("2 January 2006"),
	}
}
