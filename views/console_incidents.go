package views

import (
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/incident"
	"github.com/backstophq/backstop/internal/store"
)

// IncidentsView is /console/incidents: the window form with its presets
// and the incidents planned so far.
type IncidentsView struct {
	Shell    ConsoleShell
	From, To string // the form's values, as typed or preset
	Problem  string // why the window was refused, in words
	LastHour [2]string
	// LastOutage is the preset for the newest outage the alerts saw start
	// and end; nil when none is recorded.
	LastOutage *OutagePreset
	Incidents  []store.Incident
}

// OutagePreset is the "last outage" preset: the window to fill and what
// the alert said.
type OutagePreset struct {
	Window [2]string
	Reason string
	Capped bool // the outage ran longer than an incident may cover
}

// outagePad widens an outage's window on both sides: the alert sees
// trouble a check late and recovery a check late, and a payment made just
// before the first failed ping may have been dropped too.
const outagePad = 5 * time.Minute

// LastOutageWindow is the "last outage" preset's values for an outage
// from–to: padded by outagePad to whole minutes, and, for an outage longer
// than an incident may cover, its first incident.MaxWindow.
func LastOutageWindow(from, to time.Time, reason string) OutagePreset {
	start := from.UTC().Add(-outagePad).Truncate(time.Minute)
	end := to.UTC().Add(outagePad + time.Minute - 1).Truncate(time.Minute)
	p := OutagePreset{Reason: reason}
	if end.Sub(start) > incident.MaxWindow {
		end, p.Capped = start.Add(incident.MaxWindow), true
	}
	p.Window = [2]string{windowInput(start), windowInput(end)}
	return p
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

// Running reports whether the run is still going on (the part polls).
func (v IncidentView) Running() bool { return v.running() }

func (v IncidentView) running() bool {
	return v.Incident.Status == "running" && v.Incident.FinishedAt == nil
}
