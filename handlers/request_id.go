package handlers

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
)

// requestID gives every request a fresh random id, kept in c.Locals for
// logs and error reports and sent back in X-Request-ID. An X-Request-ID the
// client sent is never used (Fiber's requestid middleware would copy it):
// anyone could then forge ids in our logs or collide with another
// request's.
func requestID(c *fiber.Ctx) error {
	id := newRequestID()
	c.Locals(requestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// newRequestID is 128 random bits from crypto/rand, in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24; it crashes instead
	return hex.EncodeToString(b[:])
}
