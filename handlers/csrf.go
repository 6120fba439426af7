package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
)

// The console's CSRF defence is a double-submit token: a random value in a
// cookie that only /console receives, echoed in every form's hidden
// csrf_token field. A page on another site can make the browser send the
// cookie but cannot read it to fill the field. It needs no server state,
// so it works the same on every machine, and no JavaScript. Over https,
// a browser that sends Origin must also name BASE_URL's origin (over http,
// as under `backstop dev`, localhost and 127.0.0.1 are both fine).
const (
	csrfCookie   = "backstop_csrf"
	csrfField    = "csrf_token"
	csrfHeader   = "X-CSRF-Token" // for htmx requests that post no form
	csrfLocalKey = "csrf_token"
)

var errCSRF = apperr.New(apperr.Forbidden, "This form has expired or did not come from this site. Go back, reload the page and try again.")

// consoleCSRF sets the token cookie when it is missing and checks it on
// every request that changes something.
func consoleCSRF(baseURL string) fiber.Handler {
	secure := isHTTPS(baseURL)
	origin := ""
	if secure {
		origin = originOf(baseURL)
	}
	return func(c *fiber.Ctx) error {
		token := c.Cookies(csrfCookie)
		valid := isToken(token)
		if !valid {
			token = randomToken()
			c.Cookie(consoleCookie(csrfCookie, token, 0, secure))
		}
		c.Locals(csrfLocalKey, token)
		switch c.Method() {
		case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
			return c.Next()
		}
		sent := c.FormValue(csrfField)
		if sent == "" {
			sent = c.Get(csrfHeader)
		}
		if !valid || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			return errCSRF
		}
		if o := c.Get(fiber.HeaderOrigin); o != "" && origin != "" && o != origin {
			return errCSRF
		}
		return c.Next()
	}
}

// csrfToken is the request's token, for the forms a page renders.
func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfLocalKey).(string)
	return t
}

// rotateCSRF gives the browser a new token, as at sign-in and sign-out, so
// a token seen before the session began is worth nothing after it.
func rotateCSRF(c *fiber.Ctx, secure bool) {
	token := randomToken()
	c.Cookie(consoleCookie(csrfCookie, token, 0, secure))
	c.Locals(csrfLocalKey, token)
}

// randomToken is 256 bits from crypto/rand, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

func isToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// consoleCookie is a cookie only /console sees, never readable by scripts,
// sent on top-level navigations from other sites (Lax) so a link to the
// console works, and Secure when the site is served over https. maxAge 0
// makes a browser-session cookie; a negative one deletes it.
func consoleCookie(name, value string, maxAge int, secure bool) *fiber.Cookie {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/console", HTTPOnly: true, Secure: secure, SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = maxAge
	}
	if maxAge < 0 {
		ck.Value = ""
		ck.Expires = time.Unix(0, 0) // fasthttp writes Max-Age only when positive
	}
	return ck
}

func isHTTPS(baseURL string) bool {
	u, err := url.Parse(baseURL)
	return err == nil && u.Scheme == "https"
}

// originOf is scheme://host[:port] of baseURL, "" when it has none.
func originOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
