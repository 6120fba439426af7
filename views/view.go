// Package views holds Backstop's templ components: the layout, the customer
// pages and their htmx partials. Every component takes a typed view model
// from this file; handlers fill them and never pass maps. A page and its
// partial share one component, so an htmx swap and a full page load always
// show the same words.
package views

import (
	"net/url"
	"strings"

	"github.com/backstophq/backstop/internal/billing"
)

// PricingView is the pricing page: the plans on sale and, after an invalid
// submit, what the customer typed and what was wrong with it.
type PricingView struct {
	Plans []billing.Plan
	// FormToken is the one-time token each checkout form posts back, so a
	// double submit starts one checkout, not two.
	FormToken string
	// Selected is the code of the plan whose form was submitted; its form
	// shows Email and Errors. Empty on a fresh page.
	Selected string
	Email    string
	Errors   CheckoutErrors
	// Again marks a deliberate second purchase (the customer followed
	// "start a new purchase" from an earlier order's status page): the forms
	// post again=1, so the earlier order does not send them back to it.
	Again bool
}

// CheckoutErrors are the messages shown beside the checkout form's fields.
// Every message is written for the customer; none comes from err.Error().
type CheckoutErrors struct {
	Email string // beside the email field
	Form  string // above the button: a problem not tied to one field
}

// Any reports whether there is at least one message to show.
func (e CheckoutErrors) Any() bool { return e.Email != "" || e.Form != "" }

// ErrorView is what the error page (and its htmx partial) shows. Ref is the
// stored reference; empty when nothing was stored (an error that needs no
// investigation, and the static fallback page), and then the page says no
// reference is needed rather than showing one that leads nowhere.
type ErrorView struct {
	Ref string
	// Retry, when set, is the form the customer was sending, offered again
	// as a "Try again" button: a checkout refused while we were busy keeps
	// its form token, so pressing it continues the same order.
	Retry        *RetryForm
	StatusURL    string // where the customer can check a payment, "/status" by default
	SupportEmail string
	Title        string
	Message      string // safe for the customer: apperr.SafeMessage, never err.Error()
	// Staff is set under /console: the page speaks to staff, without the
	// customer's reassurance about their money.
	Staff bool
}

// RetryForm is a checkout form to post again, unchanged.
type RetryForm struct {
	Email     string
	PlanCode  string
	FormToken string
}

// FallbackView is the static page a reverse proxy serves while the app is
// down (error_page 502 503 504).
type FallbackView struct {
	SupportEmail string
	// CSS is inlined into the page, since the app that serves /static/ is
	// the thing that is down.
	CSS string
	// RefreshSeconds is how often the page reloads itself to find the app
	// again; 0 means 15.
	RefreshSeconds int
}

// ConsoleLoginView is the staff console's sign-in page.
type ConsoleLoginView struct {
	Email     string // what was typed, kept after a failed attempt
	Error     string // why the last attempt failed; never says which half was wrong
	Notice    string // a calm word above the form, e.g. after too many attempts
	Flash     string // the message after signing out or a session's end
	CSRFToken string // posted back in the hidden csrf_token field
}

// htmxConfig is read by htmx from <meta name="htmx-config"> before it
// starts. Indicator styles come from app.css (a strict CSP forbids the
// inline style htmx would add), and 422 (an invalid form) and error pages
// are swapped in instead of being dropped, which is htmx 2's default.
const htmxConfig = `{"includeIndicatorStyles":false,"responseHandling":[` +
	`{"code":"204","swap":false},{"code":"[23]..","swap":true},` +
	`{"code":"422","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

// intervalText says how often a plan is billed, for people.
func intervalText(p billing.Plan) string {
	switch p.Interval {
	case "year":
		return "per year"
	case "month":
		return "per month"
	case "":
		return ""
	default:
		return "per " + p.Interval
	}
}

// supportMailto builds the support link with the reference in the subject,
// so the customer does not have to copy it.
func supportMailto(email, ref string) string {
	subject := "Help with my payment"
	if ref != "" {
		subject += " (reference " + ref + ")"
	}
	q := url.Values{"subject": {subject}}.Encode()
	// mailto wants %20 for spaces; url.Values encodes them as "+".
	return "mailto:" + url.PathEscape(email) + "?" + strings.ReplaceAll(q, "+", "%20")
}

func statusURL(v ErrorView) string {
	if v.StatusURL == "" {
		return "/status"
	}
	return v.StatusURL
}

func fieldID(planCode, field string) string { return "plan-" + planCode + "-" + field }

func refreshSeconds(v FallbackView) int {
	if v.RefreshSeconds <= 0 {
		return 15
	}
	return v.RefreshSeconds
}
