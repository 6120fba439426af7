// Package handlers is Backstop's web layer: the Fiber app, its middleware,
// the one route table and the handlers. A handler parses the request, makes
// one call into the core with c.UserContext(), and renders or redirects; it
// returns errors and never writes an error response itself. The one
// ErrorHandler (errors.go) turns every error and panic into the error page,
// with a stored reference for a genuine failure of ours and a count for
// the refusals and "busy" pages that need no investigation.
package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/billing"
)

// defaultRequestTimeout bounds the work of one request when Deps does not
// say otherwise. It reaches the core through c.UserContext().
const defaultRequestTimeout = 15 * time.Second

// Deps is everything the web layer needs from the rest of the program. Each
// dependency is the small interface the handlers consume, so tests pass
// in-memory fakes and main passes the real store.
type Deps struct {
	Logger *slog.Logger
	// Plans lists the catalogue; activeOnly limits it to plans on sale.
	Plans interface {
		Plans(ctx context.Context, activeOnly bool) ([]billing.Plan, error)
	}
	// Errors stores the report behind every reference an error page shows.
	Errors interface {
		RecordError(ctx context.Context, r ErrorReport) error
	}
	// Ready reports whether the instance can serve traffic (database
	// reachable, migrations applied, …); its error text is shown on /readyz.
	Ready interface {
		Ready(ctx context.Context) error
	}
	// Checkout runs the customer's money path; Webhook verifies and hands
	// processor events to the workflows. Both are optional so that the web
	// layer's own tests can run without them; main always sets them.
	Checkout Checkout
	Webhook  WebhookDeps
	// SelfService answers status by email and Claim my purchase; without
	// it (or Checkout) those routes are not served.
	SelfService SelfService
	// Limits bound the customer's look-ups; zero fields take defaults.
	Limits CustomerLimits
	// DevMailbox, when set, serves /dev/mailbox: the emails kept instead of
	// sent. Only `backstop dev` sets it; serve leaves it nil (404).
	DevMailbox DevMailbox
	// Staff signs staff in and out of the console; without it the console
	// is not served (the web layer's own tests). Console is what its pages
	// read and Resolve what a mismatch's buttons do; both are required
	// with Staff.
	Staff   StaffAuth
	Console ConsoleCore
	Resolve MismatchActions
	// Templates is the email template editor; required with Staff.
	Templates TemplateEditor
	// Resender is the Resend button of the customer and emails pages.
	Resender EmailResender
	// Incidents is incident mode; required with Staff.
	Incidents Incidents
	// Runs is the reconciliation runs page and its Run now; Audit the
	// audit log page; both required with Staff.
	Runs  ReconRuns
	Audit AuditLog
	// StaffAdmin is the staff page (admins); required with Staff.
	StaffAdmin StaffAdmin
	// Metrics is the registry the HTTP metrics are registered on and
	// /metrics serves.
	Metrics *prometheus.Registry

	SupportEmail string // shown on error pages, with the reference in the subject
	BaseURL      string // the public URL of the app, e.g. https://pay.example.com

	// AllowedHosts, when set, are the only host names (any port) the app
	// answers; every other Host gets 421. `backstop dev` sets this machine's
	// names (loopback.Hosts), so a web page that rebinds its own name to
	// 127.0.0.1 cannot read the dev mailbox. serve leaves it empty: its
	// names are the proxy's business.
	AllowedHosts []string

	// RequestTimeout bounds each request's c.UserContext(); 0 means 15s.
	RequestTimeout time.Duration

	// TrustedProxies (IPs or CIDRs) are the reverse proxies whose
	// X-Real-IP header names the client, for the limits per client
	// address; from anyone else the header is ignored, so it cannot be
	// forged. Empty: the connection's own address is the client's.
	TrustedProxies []string
}

// New builds the web app: middleware, the ErrorHandler and every route. It
// panics when a required dependency (Plans, Errors, Ready) is missing, since
// that is a wiring bug found at startup.
func New(d Deps) *fiber.App {
	d = d.withDefaults()
	eh := newErrorHandler(d)
	app := fiber.New(fiber.Config{
		// Fiber reuses request memory after a handler returns; anything handed
		// to a goroutine or job would be corrupted without this.
		Immutable:             true,
		ErrorHandler:          eh.handle,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		// X-Real-IP rather than X-Forwarded-For: Fiber reads the first
		// address of a list, which the client itself wrote.
		EnableTrustedProxyCheck: len(d.TrustedProxies) > 0,
		TrustedProxies:          d.TrustedProxies,
		ProxyHeader:             proxyHeader(d.TrustedProxies),
		EnableIPValidation:      true,
	})
	addMiddleware(app, d, eh)
	addRoutes(app, d)
	return app
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return "X-Real-IP"
}

func (d Deps) withDefaults() Deps {
	switch {
	case d.Plans == nil:
		panic("handlers.New: Deps.Plans is nil")
	case d.Errors == nil:
		panic("handlers.New: Deps.Errors is nil")
	case d.Ready == nil:
		panic("handlers.New: Deps.Ready is nil")
	case d.Staff != nil && d.Console == nil:
		panic("handlers.New: Deps.Console is nil while Deps.Staff is set")
	case d.Staff != nil && d.Resolve == nil:
		panic("handlers.New: Deps.Resolve is nil while Deps.Staff is set")
	case d.Staff != nil && d.Templates == nil:
		panic("handlers.New: Deps.Templates is nil while Deps.Staff is set")
	case d.Staff != nil && d.StaffAdmin == nil:
		panic("handlers.New: Deps.StaffAdmin is nil while Deps.Staff is set")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	if d.SupportEmail == "" {
		d.SupportEmail = "support@example.com"
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = defaultRequestTimeout
	}
	return d
}
