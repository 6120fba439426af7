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
		return c.SendString("ready")
	}
}
