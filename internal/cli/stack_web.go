package cli

import (
	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/handlers"
	"github.com/backstophq/backstop/internal/console"
)

// webApp builds the Fiber app on the stack.
func (s *stack) webApp() *fiber.App {
	d := handlers.Deps{
		Logger:    s.logger,
		Plans:     s.store,
		Errors:    s.store,
		Ready:     readiness{s.store, s.recon.alerter},
		Metrics:   s.metrics,
		Checkout:  s.billing,
		Staff:     s.staff,
		Templates: s.templates,
		Console:   console.New(s.store, s.live, s.recon.alerter, console.Options{Logger: s.logger}),
		Webhook: handlers.WebhookDeps{
			Secret: s.cfg.StripeWebhookSecret, Events: s.billing, Faults: s.cfg.Faults, Logger: s.logger,
		},
		SupportEmail: s.cfg.SupportEmail,
		BaseURL:      s.cfg.BaseURL,
		AllowedHosts: s.cfg.AllowedHosts,
	}
	if s.cfg.DevMailbox {
		d.DevMailbox = s.store
	}
	return handlers.New(d)
}
