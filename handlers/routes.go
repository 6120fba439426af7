package handlers

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backstophq/backstop/web"
)

// staticMaxAge is a year: every asset URL carries a content hash
// (web.URL), so a new release changes the URL instead of waiting on caches.
const staticMaxAge = 365 * 24 * 60 * 60

// addRoutes is the whole HTTP surface of Backstop, in one place.
func addRoutes(app *fiber.App, d Deps) {
	app.Use("/static", filesystem.New(filesystem.Config{
		Root:   http.FS(web.Files()),
		MaxAge: staticMaxAge,
	}))

	// Operator endpoints.
	app.Get("/healthz", handleHealthz)
	app.Get("/readyz", handleReadyz(d.Ready))
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{})))

	// Customer pages.
	oc := newOrderCookie(d.BaseURL)
	app.Get("/", handlePricing(d.Plans, d.Checkout, oc, d.Logger))
	if d.Checkout != nil {
		// The money path, in its order (DESIGN.md section 5).
		app.Post("/checkout", handleCheckout(d.Checkout, d.Plans, oc))
		app.Get("/checkout/return", handleCheckoutReturn(d.Checkout, d.SupportEmail))
		lim := newCustomerLimiters(d.Limits)
		app.Get("/status", handleStatusLookup(d.SupportEmail, d.SelfService != nil))
		app.Get("/status/:ref", handleStatus(d.Checkout, d.SupportEmail, lim.refMisses, d.Logger))
		if d.SelfService != nil {
			// The customer's own look-ups (DESIGN section 7).
			app.Post("/status", handleStatusByEmail(d.SelfService, lim, d.SupportEmail))
			app.Get("/claim", handleClaimForm(d.SupportEmail))
			app.Post("/claim", handleClaim(d.SelfService, lim, d.SupportEmail))
		}
	}
	if d.Webhook.Events != nil {
		app.Post("/webhooks/stripe", handleStripeWebhook(d.Webhook))
	}

	// The dev mailbox, only under `backstop dev`; its page links to the
	// console's emails page, which shows the same emails to staff.
	if d.DevMailbox != nil {
		app.Get("/dev/mailbox", handleMailbox(d.DevMailbox))
		app.Get("/dev/mailbox/:id", handleMailboxMessage(d.DevMailbox))
	}

	// Staff console (DESIGN.md section 9): every route checks the CSRF
	// token on changes, and its table entry says who may use it.
	if d.Staff != nil {
		h := newConsole(d.Staff, d.Console, d.Resolve, d.BaseURL)
		h.templates, h.resender = d.Templates, d.Resender
		h.incidents, h.runs, h.audit = d.Incidents, d.Runs, d.Audit
		h.staffAdmin = d.StaffAdmin
		mountConsole(app.Group("/console", consoleCSRF(d.BaseURL)), h, consoleRoutes(h))
	}
}

// consoleRoutes is the staff console, under /console. Every console route
// is an entry here, with who may use it; mountConsole puts each behind the
// one check. A route-inventory test walks the app's routes and fails for a
// console route that is missing here or lets the wrong person in.
func consoleRoutes(h staffConsole) []consoleRoute {
	return []consoleRoute{
		// Signing in and out; sign-in is rate-limited per address and email.
		{method: fiber.MethodGet, path: "/login", access: anyone, handle: h.handleLoginPage},
		{method: fiber.MethodPost, path: "/login", access: anyone, handle: h.handleLogin},
		{method: fiber.MethodPost, path: "/logout", access: supportRole, handle: h.handleLogout},

		{method: fiber.MethodGet, path: "/", access: supportRole, handle: h.handleDashboard},
		{method: fiber.MethodGet, path: "/mismatches", access: supportRole, handle: h.handleQueue},
		{method: fiber.MethodGet, path: "/mismatches/count", access: supportRole, poll: true, handle: h.handleOpenCount},
		{method: fiber.MethodGet, path: "/mismatches/:id<int>", access: supportRole, handle: h.handleMismatch},

		// A mismatch's buttons (DESIGN.md section 9): support's work. Each
		// posts the page's version; resolve refuses a stale one.
		{method: fiber.MethodPost, path: "/mismatches/:id<int>/verify-provision", access: supportRole, handle: h.act(h.verifyProvision)},
		{method: fiber.MethodPost, path: "/mismatches/:id<int>/refund", access: supportRole, handle: h.act(h.refund)},
		{method: fiber.MethodPost, path: "/mismatches/:id<int>/link", access: supportRole, handle: h.act(h.linkAccount)},
		{method: fiber.MethodPost, path: "/mismatches/:id<int>/dismiss", access: supportRole, handle: h.act(h.dismiss)},
		{method: fiber.MethodPost, path: "/mismatches/:id<int>/claim", access: supportRole, handle: h.act(h.claim)},
		{method: fiber.MethodPost, path: "/mismatches/:id<int>/note", access: supportRole, handle: h.act(h.note)},

		// Customers and their emails (DESIGN.md section 9): search, the
		// customer page, every email, and Resend.
		{method: fiber.MethodGet, path: "/customers", access: supportRole, handle: h.handleCustomerSearch},
		{method: fiber.MethodGet, path: "/customers/:email", access: supportRole, handle: h.handleCustomer},
		{method: fiber.MethodGet, path: "/emails", access: supportRole, handle: h.handleEmails},
		{method: fiber.MethodGet, path: "/emails/:id<int>", access: supportRole, handle: h.handleEmail},
		{method: fiber.MethodPost, path: "/emails/:id<int>/resend", access: supportRole, handle: h.handleResend},

		// Email templates (DESIGN.md section 7): support edits drafts and
		// sends tests; only an admin changes what customers receive.
		{method: fiber.MethodGet, path: "/templates", access: supportRole, handle: h.handleTemplates},
		{method: fiber.MethodGet, path: "/templates/:name", access: supportRole, handle: h.handleTemplate},
		{method: fiber.MethodPost, path: "/templates/:name/preview", access: supportRole, handle: h.handleTemplatePreview},
		{method: fiber.MethodPost, path: "/templates/:name/draft", access: supportRole, handle: h.handleSaveDraft},
		{method: fiber.MethodPost, path: "/templates/:name/discard", access: supportRole, handle: h.handleDiscardDraft},
		{method: fiber.MethodPost, path: "/templates/:name/test", access: supportRole, handle: h.handleTestSend},
		{method: fiber.MethodPost, path: "/templates/:name/publish", access: adminRole, handle: h.handlePublish},
		{method: fiber.MethodPost, path: "/templates/:name/revert", access: adminRole, handle: h.handleRevert},

		// Incident mode (DESIGN.md section 9): support plans and reads;
		// only an admin runs or cancels a run.
		{method: fiber.MethodGet, path: "/incidents", access: supportRole, handle: h.handleIncidents},
		{method: fiber.MethodPost, path: "/incidents", access: supportRole, handle: h.handlePlanIncident},
		{method: fiber.MethodGet, path: "/incidents/:id<int>", access: supportRole, handle: h.handleIncident},
		{method: fiber.MethodGet, path: "/incidents/:id<int>/progress", access: supportRole, poll: true, handle: h.handleIncidentProgress},
		{method: fiber.MethodGet, path: "/incidents/:id<int>/export.csv", access: supportRole, handle: h.handleIncidentCSV},
		{method: fiber.MethodPost, path: "/incidents/:id<int>/run", access: adminRole, handle: h.handleRunIncident},
		{method: fiber.MethodPost, path: "/incidents/:id<int>/cancel", access: adminRole, handle: h.handleCancelIncident},

		// Reconciliation runs (DESIGN.md section 9): the runs with a
		// running one's progress, and Run now (one sweep at a time).
		{method: fiber.MethodGet, path: "/runs", access: supportRole, handle: h.handleRuns},
		{method: fiber.MethodGet, path: "/runs/progress", access: supportRole, poll: true, handle: h.handleRunsProgress},
		{method: fiber.MethodPost, path: "/runs", access: supportRole, handle: h.handleRunNow},

		// The audit log (DESIGN.md section 9): who did what, filtered, and
		// the same rows as CSV.
		{method: fiber.MethodGet, path: "/audit", access: supportRole, handle: h.handleAudit},
		{method: fiber.MethodGet, path: "/audit.csv", access: supportRole, handle: h.handleAuditCSV},

		// Staff logins (DESIGN.md section 9): admins only.
		{method: fiber.MethodGet, path: "/staff", access: adminRole, handle: h.handleStaff},
		{method: fiber.MethodPost, path: "/staff", access: adminRole, handle: h.handleAddStaff},
		{method: fiber.MethodPost, path: "/staff/:id<int>/role", access: adminRole, handle: h.handleStaffRole},
		{method: fiber.MethodPost, path: "/staff/:id<int>/disable", access: adminRole, handle: h.handleStaffDisable},
		{method: fiber.MethodPost, path: "/staff/:id<int>/reset", access: adminRole, handle: h.handleStaffReset},
	}
}
