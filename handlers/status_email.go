package handlers

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
)

// SelfService is what the customer's own look-ups drive: status by email
// and Claim my purchase (DESIGN section 7).
type SelfService interface {
	// RequestStatusLinks asks for the status_link email of every purchase
	// of email; the job it starts decides whether anything is sent.
	RequestStatusLinks(ctx context.Context, email string) error
	// Claim asks the processor live whether a payment fits the claim and
	// serves, resends, queues for a person, or finds nothing.
	Claim(ctx context.Context, c billing.Claim) (billing.ClaimResult, error)
}

// handleStatusByEmail is POST /status (form: email). Every address, bought
// or not, limited or not, gets the same page, byte for byte: the job it
// asks for (for every address within the limits) emails the address's
// purchases or nothing, so neither the page nor its timing says whether the
// address has bought. Past a limit nothing is asked for and nothing sent.
// An address we could not write to comes back with 422 and words.
func handleStatusByEmail(ss SelfService, lim *customerLimiters, supportEmail string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		email := strings.TrimSpace(c.FormValue("email"))
		var fe *billing.FieldError
		if err := billing.CheckEmail(email); errors.As(err, &fe) {
			v := views.StatusLookupView{SupportEmail: supportEmail, ByEmail: true, Email: email, EmailError: fe.Msg}
			return render(c, fiber.StatusUnprocessableEntity, views.StatusLookupPage(v), views.StatusLookupForm(v))
		}
		if lim.allowStatus(c, email) {
			if err := ss.RequestStatusLinks(c.UserContext(), email); err != nil {
				return err
			}
		}
		v := views.StatusEmailView{SupportEmail: supportEmail}
		return render(c, fiber.StatusOK, views.StatusEmailPage(v), views.StatusEmailSent(v))
	}
}
