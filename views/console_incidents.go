package views

import (
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// IncidentsView is /console/incidents: the window form with its presets
// and the incidents planned so far.
type IncidentsView struct {
	Shell     ConsoleShell
	From, To  string // the form's values, as typed or preset
	Problem   string // why the window was refused, in words
	LastHour  [2]string
	Incidents []store.Incident
}

// IncidentView is one incident's page: its plan, its progress and, per
// payment, what the processor and we said and what the run did.
type IncidentView struct {
	Shell    ConsoleShell
	Incident store.Incident
	ByAction map[string]store.ActionCount
	Payments []store.IncidentPayment
	Done     int
	Total    int
	CanRun   bool // an admin, and the incident is planned
}

// IncidentURL is an incident's page.
func IncidentURL(id int64) string { return "/console/incidents/" + strconv.FormatInt(id, 10) }

// windowInput is how the form shows a moment: RFC 3339 in UTC.
func windowInput(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// LastHourWindow is the "last hour" preset's values.
func LastHourWindow(now time.Time) [2]string {
	now = now.UTC().Truncate(time.Minute)
	return [2]string{windowInput(now.Add(-time.Hour)), windowInput(now.Add(time.Minute))}
}

var actionWords = map[string]string{
	store.ActionProvision:    "Provision: paid, never served",
	store.ActionEmailOnly:    "Email only: served, never told",
	store.ActionRefundReview: "Refund review: a person decides",
	store.ActionNothing:      "Nothing to do",
}

func actionLabel(a string) string { return actionWords[a] }

func usd(amount int64) string { return billing.FormatMoney(amount, "usd") }

func optText(s *string, none string) string {
	if s == nil || *s == "" {
		return none
	}
	return *s
}

func percent(done, total int) string {
	if total == 0 {
		return "100"
	}
	return strconv.Itoa(done * 100 / total)
}

func (v IncidentView) running() bool {
	return v.Incident.Status == "running" && v.Incident.FinishedAt == nil
}
