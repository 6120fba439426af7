package handlers

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	fiberrecover "github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/loopback"
)

// requestIDKey is where requestID leaves the id in c.Locals.
const requestIDKey = "requestid"

// contentSecurityPolicy allows only our own scripts and styles. htmx would
// inject an inline style for its indicators; the layout turns that off and
// app.css carries the styles instead. form-action is left open on purpose:
// POST /checkout redirects to the processor's page, and browsers apply
// form-action to that redirect.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; " +
	"script-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// addMiddleware installs, outermost first: the Host check when
// Deps.AllowedHosts is set, the request id, security
// headers, metrics (which also runs the ErrorHandler, so it observes the
// final status), panic recovery, the per-request timeout and the refusal
// of malformed input. They share one
// route, which is how metrics tells an unmatched request from a matched one.
func addMiddleware(app *fiber.App, d Deps, eh *errorHandler) {
	if len(d.AllowedHosts) > 0 {
		app.Use(onlyHosts(d.AllowedHosts))
	}
	m := newHTTPMetrics(d.Metrics)
	app.Use(
		requestID,
		securityHeaders(isHTTPS(d.BaseURL)),
		m.middleware(eh),
		// A panic becomes an error for the ErrorHandler; the process lives on.
		// The stack is not printed: the error page's reference and the logged
		// chain are what operators use.
		fiberrecover.New(fiberrecover.Config{EnableStackTrace: false}),
		withTimeout(d.RequestTimeout),
		refuseMalformedInput,
	)
}

// misdirected is all a request for a host name the server does not answer
// gets: short, and nothing of the app's.
const misdirected = "This development server answers only on 127.0.0.1, localhost and [::1].\n"

// onlyHosts answers 421 Misdirected Request to every request whose Host
// header names none of hosts: the DNS rebinding defence of `backstop dev`
// (see internal/loopback). It reads the Host header itself, never
// X-Forwarded-Host, which a rebinding page can set.
func onlyHosts(hosts []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if loopback.Allowed(string(c.Request().Header.Host()), hosts) {
			return c.Next()
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(fiber.StatusMisdirectedRequest).SendString(misdirected)
	}
}

// hsts tells browsers to use https only, for a year, on the host and its
// subdomains. It is sent only when BASE_URL is https (serve behind TLS):
// over http (`backstop dev`) a browser would ignore it anyway.
const hsts = "max-age=31536000; includeSubDomains"

func securityHeaders(https bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "same-origin")
		c.Set(fiber.HeaderXFrameOptions, "DENY")
		c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
		if https {
			c.Set(fiber.HeaderStrictTransportSecurity, hsts)
		}
		return c.Next()
	}
}

// withTimeout gives c.UserContext() a deadline, so every call into the core
// stops when the request has taken too long. A deadline that ends the work
// becomes an Unavailable error: the customer sees "try again", not a bug.
func withTimeout(d time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		err := c.Next()
		if err != nil && errors.Is(err, context.DeadlineExceeded) && !apperr.Is(err, apperr.Unavailable) {
			return apperr.Wrap(apperr.Unavailable, "This is taking longer than it should. Please try again in a minute.", err)
		}
		return err
	}
}
