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
	app.Get("/", handlePricing(d.Plans))
	// Next, in this order of the money path (DESIGN.md section 5):
	//   app.Post("/checkout", handleCheckout(…))            // 303 to the processor; 422 re-renders views.CheckoutForm
	//   app.Get("/checkout/return", handleCheckoutReturn(…)) // ?session_id=
	//   app.Get("/status", …) and app.Get("/status/:ref", …)
	//   app.Post("/webhooks/stripe", handleStripeWebhook(…))

	// Staff console (DESIGN.md section 9). Sign-in is a placeholder until
	// the console lands; POST /console/login is not routed yet (405).
	app.Get("/console/login", handleConsoleLogin)
}
