package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/stripeapi"
)

// maxWebhookBody bounds a webhook's body; Stripe's events are far smaller.
const maxWebhookBody = 256 << 10

// EventHandler stores and handles a verified processor event.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev billing.Event, source string) error
}

// WebhookDeps are what POST /webhooks/stripe needs.
type WebhookDeps struct {
	Secret string
	Events EventHandler
	Faults *fault.Points
	Logger *slog.Logger
	Now    func() time.Time
}

// handleStripeWebhook is POST /webhooks/stripe. Its client is the processor,
// not a person, so it answers in JSON itself rather than through the error
// page: 400 with no state change for anything forged, stale, malformed or
// oversized; 500 when handling failed, so the processor delivers again; 200
// only after the event and its effects are committed.
func handleStripeWebhook(d WebhookDeps) fiber.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return func(c *fiber.Ctx) error {
		body := c.Body()
		if len(body) > maxWebhookBody {
			return webhookReply(c, fiber.StatusBadRequest, "payload too large")
		}
		ev, err := stripeapi.VerifyWebhook(body, c.Get("Stripe-Signature"), d.Secret, d.Now())
		if err != nil {
			d.Logger.WarnContext(c.UserContext(), "webhook refused", "err", err)
			return webhookReply(c, fiber.StatusBadRequest, apperr.SafeMessage(err, "invalid webhook"))
		}
		d.Faults.Hit(fault.WebhookAfterVerify)
		if err := d.Events.HandleEvent(c.UserContext(), ev, billing.SourceWebhook); err != nil {
			d.Logger.ErrorContext(c.UserContext(), "webhook not handled", "event_id", ev.ID, "err", err)
			return webhookReply(c, fiber.StatusInternalServerError, "not handled; retry later")
		}
		return webhookReply(c, fiber.StatusOK, "")
	}
}

func webhookReply(c *fiber.Ctx, status int, msg string) error {
	if msg == "" {
		return c.Status(status).JSON(fiber.Map{"received": true})
	}
	return c.Status(status).JSON(fiber.Map{"error": msg})
}
