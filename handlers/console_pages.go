package handlers

import (
	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/views"
)

// handleDashboard is GET /console/.
func (h staffConsole) handleDashboard(c *fiber.Ctx) error {
	d, err := h.core.Dashboard(c.UserContext())
	if err != nil {
		return err
	}
	v := views.DashboardView{Shell: h.shell(c, "/console/"), Dashboard: d}
	return render(c, fiber.StatusOK, views.DashboardPage(v), views.DashboardContent(v))
}

// handleQueue is GET /console/mismatches: the filters are the query
// string, so a filtered page is a link. htmx (a filter changed, a page
// turned) gets the results only.
func (h staffConsole) handleQueue(c *fiber.Ctx) error {
	f, err := console.ParseQueueFilter(func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	me := signedInStaff(c).Email
	page, err := h.core.Queue(c.UserContext(), f, me)
	if err != nil {
		return err
	}
	v := views.QueueView{Shell: h.shell(c, "/console/mismatches"), Page: page}
	return render(c, fiber.StatusOK, views.QueuePage(v), views.QueueResults(v))
}

// handleOpenCount is GET /console/mismatches/count: the fragment that
// refreshes itself on the queue page.
func (h staffConsole) handleOpenCount(c *fiber.Ctx) error {
	n, err := h.core.OpenCount(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.OpenCount(n), views.OpenCount(n))
}

var errNoSuchMismatch = apperr.New(apperr.NotFound, "There is no such mismatch. The link may be mistyped.")

// handleMismatch is GET /console/mismatches/:id.
func (h staffConsole) handleMismatch(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return errNoSuchMismatch
	}
	cf, err := h.core.Mismatch(c.UserContext(), int64(id))
	if err != nil {
		return err
	}
	v := views.MismatchView{Shell: h.shell(c, "/console/mismatches"), Case: cf}
	return render(c, fiber.StatusOK, views.MismatchPage(v), views.MismatchContent(v))
}
