package views

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/backstophq/backstop/internal/store"
)

// RunsView is the reconciliation runs page: a page of runs, newest first.
type RunsView struct {
	Shell  ConsoleShell
	Runs   []store.ReconRun
	Before int64 // the page's ?before=, 0 on the newest page
	Older  int64 // the ?before= of the next page, 0 when there is none
	Busy   bool  // a sweep runs or waits for a worker
}

// live says whether the table should keep refreshing itself: only the
// newest page, while a run is unfinished or a sweep waits to start.
func (v RunsView) live() bool {
	if v.Before != 0 {
		return false
	}
	if v.Busy {
		return true
	}
	for _, r := range v.Runs {
		if r.FinishedAt == nil {
			return true
		}
	}
	return false
}

// WhoAsked is who pressed Run now for r, or that the schedule started it.
func WhoAsked(r store.ReconRun) string {
	if r.RequestedBy == "" {
		return "the schedule"
	}
	return r.RequestedBy
}

// RunKindName is a run's kind in words: "sweep", or "catch-up" for the
// events run.
func RunKindName(kind string) string {
	if kind == "events" {
		return "catch-up"
	}
	return kind
}

// runWindow is the time range a run covered, or that it has none yet.
func runWindow(r store.ReconRun) string {
	if r.WindowFrom == nil || r.WindowTo == nil {
		return "—"
	}
	return clock(*r.WindowFrom) + " – " + clock(*r.WindowTo)
}

// runState is a run's outcome, or what it is doing while it runs.
func runState(r store.ReconRun) string {
	switch {
	case r.Error != nil:
		return "Failed: " + *r.Error
	case r.FinishedAt == nil && r.Phase != "":
		return "Running: " + r.Phase
	case r.FinishedAt == nil:
		return "Running"
	case r.DryRun && r.Kind == "events":
		return fmt.Sprintf("Dry run: of %d events listed, %d are new and would be handled; %d stored failures are due for a retry; nothing was changed",
			r.ObjectsSeen, r.Healed, r.ByKind["retries_due"])
	case r.DryRun:
		return "Dry run: the counts are what a real sweep would do; nothing was changed"
	}
	return "Completed"
}

func runsPageURL(before int64) string {
	return "/console/runs?before=" + strconv.FormatInt(before, 10)
}

// AuditQuery is the audit log's filters as typed, for the form and links.
type AuditQuery struct {
	Actor, Action, Target, From, To string
}

func (q AuditQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": q.Actor, "action": q.Action, "target": q.Target, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// AuditView is the audit log page.
type AuditView struct {
	Shell   ConsoleShell
	Query   AuditQuery
	Problem string // why the filters could not be read
	Rows    []store.AuditRow
	Before  int64
	Older   int64
}

func (v AuditView) olderURL() string {
	q := v.Query.values()
	q.Set("before", strconv.FormatInt(v.Older, 10))
	return "/console/audit?" + q.Encode()
}

// csvURL downloads every row the filters match, not just this page.
func (v AuditView) csvURL() string {
	if q := v.Query.values().Encode(); q != "" {
		return "/console/audit.csv?" + q
	}
	return "/console/audit.csv"
}

// auditDetails is a row's details as "key: value" pairs in key order.
func auditDetails(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+d[k])
	}
	return strings.Join(parts, "; ")
}
