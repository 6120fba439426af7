package views

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/store"
)

// ConsoleShell is what every console page shows around its content: who
// is signed in, the navigation, the reconciliation alerts and the flash.
type ConsoleShell struct {
	Email     string
	Role      string
	CSRFToken string // every form's hidden csrf_token, and htmx's X-CSRF-Token header
	Nav       []NavItem
	Alerts    []console.Alert
	Flash     string // the message after an action, shown once
	Now       time.Time
	// Search is the search box's value (the page's ?q=); FocusSearch puts
	// the cursor in it, on the dashboard.
	Search      string
	FocusSearch bool
}

// NavItem is one link of the console's navigation.
type NavItem struct {
	Label   string
	Href    string
	Current bool
}

// DashboardView is the console's first page.
type DashboardView struct {
	Shell     ConsoleShell
	Dashboard console.Dashboard
}

// QueueView is the mismatch queue.
type QueueView struct {
	Shell ConsoleShell
	Page  console.QueuePage
}

// MismatchView is one mismatch's page.
type MismatchView struct {
	Shell   ConsoleShell
	Case    console.CaseFile
	Actions CaseActions
}

// consoleHTMXConfig configures htmx once for every console page: no history
// cache (the pages hold customers' personal data, which must not linger in
// localStorage), no eval and no inline scripts from responses, requests to
// our own origin only, indicator styles from console.css (the CSP forbids
// the inline style htmx would add), and 422 (an invalid form) and 409 (a
// stale or already-done action) swapped in with their words instead of
// dropped, as htmx 2 would by default.
const consoleHTMXConfig = `{"historyCacheSize":0,"allowEval":false,"allowScriptTags":false,` +
	`"selfRequestsOnly":true,"includeIndicatorStyles":false,"responseHandling":[` +
	`{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"422","swap":true},` +
	`{"code":"409","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

// csrfHeaders is the hx-headers value that sends the CSRF token with every
// htmx request from inside the element carrying it.
func csrfHeaders(token string) string {
	return `{"X-CSRF-Token":"` + token + `"}`
}

// clock is a time as staff read it: UTC, to the minute.
func clock(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

// clockPtr is clock for an optional time, "—" when absent.
func clockPtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return clock(*t)
}

// ago says how long before now t was, in the largest whole unit.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	default:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// MismatchURL is a mismatch's page.
func MismatchURL(id int64) string { return "/console/mismatches/" + strconv.FormatInt(id, 10) }

// queueURL is the queue with f's filters and page, as a link to share.
func queueURL(f console.QueueFilter, after string) string {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("kind", f.Kind)
	if f.Status != "open" {
		set("status", f.Status)
	}
	set("claimed", f.Claimed)
	set("age", f.Age)
	set("after", after)
	if len(q) == 0 {
		return "/console/mismatches"
	}
	return "/console/mismatches?" + q.Encode()
}

// kindQueueURL is the open queue filtered to one kind.
func kindQueueURL(kind string) string {
	return queueURL(console.QueueFilter{Kind: kind, Status: "open"}, "")
}

func amountOf(amount int64, currency string) string {
	if m := console.Money(amount, currency); m != "" {
		return m
	}
	return "—"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func statusWords(status string) string {
	switch status {
	case "open":
		return "Open"
	case "auto_resolved":
		return "Resolved automatically"
	case "resolved":
		return "Resolved"
	case "dismissed":
		return "Dismissed"
	case "all":
		return "Any status"
	}
	return status
}

func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// upper capitalises the first letter, for a sentence that starts with a
// value.
func upper(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// deadline is a dispute's deadline as a sentence of its own.
func deadline(due *time.Time, now time.Time) string { return upper(console.Deadline(due, now)) }

func dryRun(r store.ReconRun) string {
	if r.DryRun {
		return " (dry run)"
	}
	return ""
}

// took is how long a run took, or that it is still running.
func took(r store.ReconRun) string {
	if r.FinishedAt == nil {
		return "running"
	}
	d := r.FinishedAt.Sub(r.StartedAt)
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return d.Round(100 * time.Millisecond).String()
}

func runResult(r store.ReconRun) string {
	switch {
	case r.Error != nil:
		return "Failed: " + *r.Error
	case r.FinishedAt == nil:
		return "Running"
	}
	return "Completed"
}

func runClass(r store.ReconRun) string {
	if r.Error != nil {
		return "run-failed"
	}
	return "run-ok"
}

func openWords(n int) string {
	if n == 1 {
		return "open mismatch"
	}
	return "open mismatches"
}

// pageSummary says what a page of the queue lists, filters included.
func pageSummary(p console.QueuePage) string {
	parts := []string{"status: " + strings.ToLower(statusWords(p.Filter.Status))}
	if p.Filter.Kind != "" {
		parts = append(parts, "kind: "+strings.ToLower(console.KindLabel(p.Filter.Kind)))
	}
	switch p.Filter.Claimed {
	case "":
	case "me":
		parts = append(parts, "claimed by you")
	case "nobody":
		parts = append(parts, "claimed by nobody")
	default:
		parts = append(parts, "claimed by "+p.Filter.Claimed)
	}
	if p.Filter.Age != "" {
		parts = append(parts, "older than "+map[string]string{"1h": "1 hour", "24h": "24 hours", "7d": "7 days"}[p.Filter.Age])
	}
	s := fmt.Sprintf("Showing %s (%s), urgent first, then the oldest.",
		countWords(len(p.Rows), "mismatch", "mismatches"), strings.Join(parts, "; "))
	if p.Next != "" {
		s += " More on the next page."
	}
	return s
}

// via says how an order was served, after its status.
func via(fulfilledVia string) string {
	if fulfilledVia == "" {
		return ""
	}
	return " (via " + strings.ReplaceAll(fulfilledVia, "_", " ") + ")"
}

// access says until when an entitlement runs, and whether it still does.
func access(until, now time.Time) string {
	if until.After(now) {
		return "access until " + clock(until)
	}
	return "access ended " + clock(until)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func refunded(refunded, amount int64, currency string) string {
	switch {
	case refunded == 0:
		return "no"
	case refunded >= amount:
		return "in full (" + amountOf(refunded, currency) + ")"
	}
	return "in part: " + amountOf(refunded, currency) + " of " + amountOf(amount, currency)
}

// metadataFields lists a processor object's metadata, sorted by key.
func metadataFields(md map[string]string) []console.Field {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]console.Field, 0, len(keys))
	for _, k := range keys {
		out = append(out, console.Field{Name: "Metadata " + k, Value: md[k]})
	}
	return out
}

// fieldsLine writes fields on one line, "via: sweep · email: …".
func fieldsLine(fs []console.Field) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, strings.ToLower(f.Name)+": "+f.Value)
	}
	return strings.Join(parts, " · ")
}
