package handlers

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/incident"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/views"
)

// Incidents is incident mode as the console drives it (incident.Service
// plus the store's reads).
type Incidents interface {
	Plan(ctx context.Context, from, to time.Time, actor string) (incident.Summary, error)
	Run(ctx context.Context, id int64, actor string, noApology bool) error
	Cancel(ctx context.Context, id int64, actor string) error
	Summary(ctx context.Context, id int64) (incident.Summary, error)
	Record(ctx context.Context, id int64) (store.Incident, []store.IncidentPayment, error)
	Recent(ctx context.Context) ([]store.Incident, error)
}

const incidentsPath = "/console/incidents"

// handleIncidents is GET /console/incidents: the window form (presets fill
// it through the query) and the incidents so far.
func (h staffConsole) handleIncidents(c *fiber.Ctx) error {
	return h.renderIncidents(c, fiber.StatusOK, c.Query("from"), c.Query("to"), "")
}

func (h staffConsole) renderIncidents(c *fiber.Ctx, status int, from, to, problem string) error {
	list, err := h.incidents.Recent(c.UserContext())
	if err != nil {
		return err
	}
	outage, recorded, err := h.core.LastOutage(c.UserContext())
	if err != nil {
		return err
	}
	v := views.IncidentsView{Shell: h.shell(c, incidentsPath), From: from, To: to, Problem: problem,
		LastHour: views.LastHourWindow(h.now()), Incidents: list}
	if recorded {
		p := views.LastOutageWindow(outage.From, outage.To, outage.Reason)
		v.LastOutage = &p
	}
	return render(c, status, views.IncidentsPage(v), views.IncidentsContent(v))
}

// handlePlanIncident is POST /console/incidents: plan the window (a dry
// run) and show it; a window refused re-renders the form with the words.
func (h staffConsole) handlePlanIncident(c *fiber.Ctx) error {
	fromText, toText := strings.TrimSpace(c.FormValue("from")), strings.TrimSpace(c.FormValue("to"))
	from, err1 := time.Parse(time.RFC3339, fromText)
	to, err2 := time.Parse(time.RFC3339, toText)
	if err1 != nil || err2 != nil {
		return h.renderIncidents(c, fiber.StatusUnprocessableEntity, fromText, toText,
			"Give both ends of the window as a UTC time, e.g. 2026-12-01T10:02:00Z.")
	}
	sum, err := h.incidents.Plan(c.UserContext(), from, to, signedInStaff(c).Email)
	if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
		return h.renderIncidents(c, fiber.StatusUnprocessableEntity, fromText, toText, apperr.SafeMessage(err, "That could not be done."))
	}
	if err != nil {
		return err
	}
	flashNext(c, fmt.Sprintf("Planned: %d payments in the window. Nothing has been changed.", sum.Payments), h.secure)
	return redirect(c, views.IncidentURL(sum.IncidentID))
}

// handleIncident is GET /console/incidents/:id: the incident record.
func (h staffConsole) handleIncident(c *fiber.Ctx) error {
	v, err := h.incidentView(c)
	if err != nil {
		return err
	}
	in, payments, err := h.incidents.Record(c.UserContext(), v.Incident.ID)
	if err != nil {
		return err
	}
	v.Incident, v.Payments = in, payments
	return render(c, fiber.StatusOK, views.IncidentPage(v), views.IncidentContent(v))
}

// handleIncidentProgress is GET /console/incidents/:id/progress: the part
// that polls while the run goes on; once the run has ended it asks htmx to
// reload the page, whose payments table then shows the outcomes.
func (h staffConsole) handleIncidentProgress(c *fiber.Ctx) error {
	v, err := h.incidentView(c)
	if err != nil {
		return err
	}
	if c.Get("HX-Request") != "" && !v.Running() && v.Incident.Status != "planned" {
		// The run ended while the page watched: load it whole, so the
		// payments table shows each outcome without a manual reload.
		c.Set("HX-Refresh", "true")
	}
	return render(c, fiber.StatusOK, views.IncidentProgress(v), views.IncidentProgress(v))
}

func (h staffConsole) incidentView(c *fiber.Ctx) (views.IncidentView, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return views.IncidentView{}, apperr.New(apperr.NotFound, "no such incident")
	}
	sum, err := h.incidents.Summary(c.UserContext(), id)
	if err != nil {
		return views.IncidentView{}, err
	}
	in, _, err := h.incidents.Record(c.UserContext(), id)
	if err != nil {
		return views.IncidentView{}, err
	}
	v := views.IncidentView{Shell: h.shell(c, incidentsPath), Incident: in, ByAction: sum.ByAction}
	v.Done, v.Total = sum.Progress()
	v.CanRun = in.Status == "planned" && signedInStaff(c).Role == staff.RoleAdmin
	return v, nil
}

// handleRunIncident is POST /console/incidents/:id/run (admin).
func (h staffConsole) handleRunIncident(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	err := h.incidents.Run(c.UserContext(), id, signedInStaff(c).Email, c.FormValue("no_apology") != "")
	if err != nil && !apperr.Is(err, apperr.Conflict) {
		return err
	}
	msg := "Running: each payment is being served now; the bar below moves as they are done."
	if err != nil {
		msg = apperr.SafeMessage(err, "That could not be done.")
	}
	flashNext(c, msg, h.secure)
	return redirect(c, views.IncidentURL(id))
}

// handleCancelIncident is POST /console/incidents/:id/cancel (admin).
func (h staffConsole) handleCancelIncident(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	msg := "Cancelled: the payments not yet acted on are left as they were."
	if err := h.incidents.Cancel(c.UserContext(), id, signedInStaff(c).Email); apperr.Is(err, apperr.Conflict) {
		msg = apperr.SafeMessage(err, "That could not be done.")
	} else if err != nil {
		return err
	}
	flashNext(c, msg, h.secure)
	return redirect(c, views.IncidentURL(id))
}

// handleIncidentCSV is GET /console/incidents/:id/export.csv: every
// payment's row, for a postmortem. The email is the processor's, typed by
// a customer, so cells pass through csvRow like the audit export's.
func (h staffConsole) handleIncidentCSV(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	in, payments, err := h.incidents.Record(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="incident-%d.csv"`, in.ID))
	w := csv.NewWriter(c.Response().BodyWriter())
	_ = w.Write([]string{"payment_intent", "email", "amount", "currency", "created", "paid", "served", "emailed", "action", "outcome"})
	for _, p := range payments {
		_ = w.Write(csvRow(p.PaymentIntentID, deref(p.Email), strconv.FormatInt(p.Amount, 10), p.Currency,
			p.Created.UTC().Format(time.RFC3339), strconv.FormatBool(p.Paid), strconv.FormatBool(p.Served),
			strconv.FormatBool(p.Emailed), p.Action, deref(p.Outcome)))
	}
	w.Flush()
	return w.Error()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
