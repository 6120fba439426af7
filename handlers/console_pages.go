package handlers

import (
	"github.com/gofiber/fiber/v2"

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
