package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
)

// access is who may use a console route. Every entry of the console's
// route table names one; mountConsole refuses an entry without, so a route
// cannot be public by omission.
type access string

const (
	// anyone: the sign-in form, the one page for people not signed in.
	anyone access = "anyone"
	// supportRole: any signed-in staff member (support or admin).
	supportRole access = "support"
	// adminRole: admins only.
	adminRole access = "admin"
)

// consoleRoute is one entry of the console's route table (routes.go).
type consoleRoute struct {
	method string
	path   string // under /console
	access access
	// poll marks a fragment that asks for itself again every few seconds:
	// it checks the session without counting as activity, so a page left
	// open on an unattended desk still times out.
	poll   bool
	handle fiber.Handler
}

// staffKey is where authorize leaves the signed-in staff.User.
const staffKey = "backstop.staff"

// mountConsole registers routes on r, each behind authorize: the one place
// a console route gets its handler.
func mountConsole(r fiber.Router, h staffConsole, routes []consoleRoute) {
	for _, rt := range routes {
		switch rt.access {
		case anyone, supportRole, adminRole:
		default:
			panic(fmt.Sprintf("console route %s %s: no access given", rt.method, rt.path))
		}
		r.Add(rt.method, rt.path, h.authorize(rt), rt.handle)
	}
}

var (
	errSignInFirst = apperr.New(apperr.Unauthenticated, "Please sign in to the console first: your session has ended or you have not signed in.")
	errAdminOnly   = apperr.New(apperr.Forbidden, "Only an admin can do this. Ask an admin, or sign in with an admin login.")
)

// sessionEnded is the flash on the sign-in page after a session ran out.
const sessionEnded = "Your session ended (after 30 minutes without activity, 12 hours after sign-in, or at sign-out). Please sign in again."

// authorize lets the request through when its session's role may use rt:
// without a session, a page is redirected to the sign-in form and anything
// else refused with 401; a support login asking for an admin route gets
// 403.
func (h staffConsole) authorize(rt consoleRoute) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if rt.access == anyone {
			return c.Next()
		}
		u, err := h.signedIn(c, rt.poll)
		if apperr.Is(err, apperr.Unauthenticated) {
			return h.signInFirst(c)
		}
		if err != nil {
			return err
		}
		if !may(u.Role, rt.access) {
			return errAdminOnly
		}
		c.Locals(staffKey, u)
		return c.Next()
	}
}

func (h staffConsole) signedIn(c *fiber.Ctx, poll bool) (staff.User, error) {
	token := c.Cookies(sessionCookie)
	if poll {
		return h.auth.PeekSession(c.UserContext(), token)
	}
	return h.auth.SessionFor(c.UserContext(), token)
}

// may reports whether role may use a route of access a.
func may(role staff.Role, a access) bool {
	switch a {
	case supportRole:
		return role == staff.RoleSupport || role == staff.RoleAdmin
	case adminRole:
		return role == staff.RoleAdmin
	}
	return false
}

// signInFirst answers a request without a session. A browser that had one
// is told it ended; its stale cookie is cleared.
func (h staffConsole) signInFirst(c *fiber.Ctx) error {
	if c.Cookies(sessionCookie) != "" {
		c.Cookie(consoleCookie(sessionCookie, "", -1, h.secure))
		flashNext(c, sessionEnded, h.secure)
	}
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead:
		return redirect(c, "/console/login")
	}
	return errSignInFirst
}

// signedInStaff is the staff member authorize let through.
func signedInStaff(c *fiber.Ctx) staff.User {
	u, _ := c.Locals(staffKey).(staff.User)
	return u
}
