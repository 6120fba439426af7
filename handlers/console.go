package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/views"
)

// consoleNotice is shown until staff sign-in is built (the console issue).
const consoleNotice = "Staff sign-in is not open yet. It arrives with the staff console; until then this form does nothing."

// handleConsoleLogin is GET /console/login: the sign-in form, disabled for
// now, so the console's address already answers with something true.
func handleConsoleLogin(c *fiber.Ctx) error {
	v := views.ConsoleLoginView{Notice: consoleNotice}
	return render(c, fiber.StatusOK, views.ConsoleLoginPage(v), views.ConsoleLoginContent(v))
}
