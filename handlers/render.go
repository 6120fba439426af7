package handlers

import (
	"bytes"
	"context"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
)

// render writes a page with status. An htmx request gets partial, a normal
// load the full page; a boosted link or a history restore also gets the full
// page, since htmx swaps the whole body then. Both share one component, so
// the words never differ. The HTML is rendered into a buffer first, so a
// failing component yields an error (and the error page), never half a page.
func render(c *fiber.Ctx, status int, page, partial templ.Component) error {
	comp := page
	if isPartialRequest(c) {
		comp = partial
	}
	// templ stops on a cancelled context, but the error page must render
	// after the request's deadline has passed: rendering is quick and local.
	ctx := context.WithoutCancel(c.UserContext())
	var buf bytes.Buffer
	if err := comp.Render(ctx, &buf); err != nil {
		return err
	}
	c.Vary("HX-Request")
	// Pages carry one-time form tokens and error references: never cache them.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// isPartialRequest reports whether htmx asked for a fragment: HX-Request is
// set and the request is neither a boosted navigation nor a history restore
// (both of which replace the whole page).
func isPartialRequest(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" &&
		c.Get("HX-Boosted") != "true" &&
		c.Get("HX-History-Restore-Request") != "true"
}
