package cli

import (
	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/handlers"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/jobs"
)

// webApp builds the Fiber app on the stack.
func (s *stack) webApp() *fiber.App { return handlers.New(s.webDeps()) }

// webDeps is what the Fiber app is built from.
func (s *stack) webDeps() handlers.Deps {
	d := handlers.Deps{
		Logger:      s.logger,
		Plans:       s.store,
		Errors:      s.store,
		Ready:       readiness{s.store, s.recon.alerter, s.dbOutages},
		Metrics:     s.metrics,
		Checkout:    s.billing,
		SelfService: selfService{jobs.NewStatusLinks(s.jobs), s.billing},
		Staff:       s.staff,
		StaffAdmin:  s.staff,
		Templates:   s.templates,
		Incidents:   s.incidents,
		Runs:        consoleRuns{s.store, s.jobs},
		Audit:       s.store,
		Console:     console.New(s.store, s.live, s.recon.alerter, console.Options{Logger: s.logger, RenewalGrace: s.cfg.RenewalGrace}),
		Resolve:     s.resolve,
		Resender:    s.outbox,
		Webhook: handlers.WebhookDeps{
			Secret: s.cfg.StripeWebhookSecret, Events: s.billing, Faults: s.cfg.Faults, Logger: s.logger,
		},
		SupportEmail:   s.cfg.SupportEmail,
		BaseURL:        s.cfg.BaseURL,
		AllowedHosts:   s.cfg.AllowedHosts,
		TrustedProxies: s.cfg.TrustedProxies,

		RequestTimeout: s.requestTimeout,
	}
	if s.cfg.DevMailbox {
		d.DevMailbox = s.store
	}
	return d
}

// selfService is the customer's own look-ups: status by email as a job
// (the job decides what is sent), and Claim my purchase in billing.
type selfService struct {
	*jobs.StatusLinks
	*billing.Service
}
