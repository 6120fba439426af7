package incident

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// Summary is an incident's plan and progress, the shape `backstop incident
// plan|run --json` prints (DESIGN section 12) plus the incident's id.
type Summary struct {
	IncidentID int64                        `json:"-"`
	Status     string                       `json:"-"`
	Apologies  int                          `json:"-"`
	WindowFrom time.Time                    `json:"window_from"`
	WindowTo   time.Time                    `json:"window_to"`
	Payments   int                          `json:"payments"`
	ByAction   map[string]store.ActionCount `json:"by_action"`
}

// CheckWindow refuses, in words, a window that is empty, reversed, in the
// future or longer than MaxWindow (kind Invalid).
func CheckWindow(from, to, now time.Time) error {
	switch {
	case from.IsZero() || to.IsZero():
		return apperr.New(apperr.Invalid, "give both ends of the window")
	case !to.After(from):
		return apperr.New(apperr.Invalid, "the window must end after it starts")
	case from.After(now):
		return apperr.New(apperr.Invalid, "the window starts in the future")
	case to.Sub(from) > MaxWindow:
		return apperr.New(apperr.Invalid, fmt.Sprintf(
			"a window can be at most 3 days long; this one is %s. Split it into windows of 3 days or less.",
			longWords(to.Sub(from))))
	}
	return nil
}

// Plan lists the window at the processor, classifies every payment and
// stores the plan as a new incident, by actor. It changes nothing but the
// incident's own rows. It waits for nobody: while a sweep is listing (they
// share the staging) it refuses with Conflict.
func (s *Service) Plan(ctx context.Context, from, to time.Time, actor string) (Summary, error) {
	from, to = from.UTC().Truncate(time.Second), to.UTC().Truncate(time.Second)
	if err := CheckWindow(from, to, s.Now()); err != nil {
		return Summary{}, err
	}
	release, ok, err := s.Store.TryLockSweep(ctx)
	if err != nil {
		return Summary{}, err
	}
	if !ok {
		return Summary{}, apperr.New(apperr.Conflict, "a reconciliation sweep is reading the processor right now; try again in a minute")
	}
	defer release()
	id, err := s.Store.CreateIncident(ctx, from, to, actor)
	if err != nil {
		return Summary{}, err
	}
	w := store.IncidentWindow{ID: id, From: from, To: to}
	calls, seen, err := recon.StageWindow(ctx, s.Store, s.Proc, billing.Range{From: from, To: to}, w.StagingRun())
	if err != nil {
		return Summary{}, fmt.Errorf("incident %d: list the processor: %w", id, err)
	}
	if err := s.Store.PlanIncident(ctx, w, calls, seen, planAudit(id, from, to, actor)); err != nil {
		return Summary{}, err
	}
	s.Logger.InfoContext(ctx, "incident planned", "incident_id", id, "objects", seen, "api_calls", calls)
	return s.Summary(ctx, id)
}

func planAudit(id int64, from, to time.Time, actor string) staff.AuditEntry {
	return staff.AuditEntry{Actor: actor, Action: "incident.planned", Target: Target(id),
		Details: map[string]string{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}}
}

// Target is the audit target of everything done for incident id.
func Target(id int64) string { return "incident:" + itoa(id) }

// Summary reads an incident's plan and progress.
func (s *Service) Summary(ctx context.Context, id int64) (Summary, error) {
	in, err := s.Store.Incident(ctx, id)
	if err != nil {
		return Summary{}, err
	}
	by, err := s.Store.IncidentActions(ctx, id)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{IncidentID: id, Status: in.Status, Apologies: in.Apologies,
		WindowFrom: in.WindowFrom.UTC(), WindowTo: in.WindowTo.UTC(), ByAction: by}
	for _, a := range by {
		sum.Payments += a.Count
	}
	return sum, nil
}

// Progress is how many of the payments to act on are done, and of how many.
func (s Summary) Progress() (done, total int) {
	for _, a := range []string{store.ActionProvision, store.ActionEmailOnly} {
		done += s.ByAction[a].Done
		total += s.ByAction[a].Count
	}
	return done, total
}

// longWords says a duration in days and hours, for the refusal.
func longWords(d time.Duration) string {
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if hours == 0 {
		return fmt.Sprintf("%d days", days)
	}
	return fmt.Sprintf("%d days %d hours", days, hours)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// recordLimit bounds the payments an incident's page and export read: a
// 3-day window of a small SaaS holds far fewer.
const recordLimit = 20000

// Record reads an incident and its payments, for its page and its export.
func (s *Service) Record(ctx context.Context, id int64) (store.Incident, []store.IncidentPayment, error) {
	in, err := s.Store.Incident(ctx, id)
	if err != nil {
		return in, nil, err
	}
	payments, err := s.Store.IncidentPayments(ctx, id, "", recordLimit)
	return in, payments, err
}

// Recent lists the newest incidents.
func (s *Service) Recent(ctx context.Context) ([]store.Incident, error) {
	return s.Store.RecentIncidents(ctx, 50)
}
