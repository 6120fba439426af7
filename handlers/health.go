package handlers

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout bounds a readiness check, so a hung database makes /readyz
// answer 503 quickly instead of hanging the load balancer's probe.
const readyTimeout = 2 * time.Second

// handleHealthz answers 200 while the process serves HTTP. It touches no
// dependency: a database outage must not get a live process restarted.
func handleHealthz(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString("ok")
}

// ReadyDetailer is optionally implemented by the Ready dependency: lines an
// operator should see on a ready instance, such as a raised reconciliation
// alert. They never turn /readyz red: the instance still serves customers,
// and pulling it from the load balancer would not fix a failing sweep.
type ReadyDetailer interface {
	ReadyDetail(ctx context.Context) []string
}

// handleReadyz answers 200 when the instance can serve traffic, else 503
// with the reason in plain text, for the operator reading the probe.
func handleReadyz(r interface{ Ready(context.Context) error }) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
		defer cancel()
		c.Set(fiber.HeaderCacheControl, "no-store")
		if err := r.Ready(ctx); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("not ready: " + err.Error())
		}
		body := "ready"
		if d, ok := r.(ReadyDetailer); ok {
			for _, line := range d.ReadyDetail(ctx) {
				body += "\n" + line
			}
		}
		return c.SendString(body)
	}
}
