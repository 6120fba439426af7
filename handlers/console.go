package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/views"
)

// StaffAuth is what the console's sign-in needs from internal/staff.
type StaffAuth interface {
	// Authenticate returns the login, or an apperr Unauthenticated that
	// never says whether the email or the password was wrong; it audits
	// each failure with c's address.
	Authenticate(ctx context.Context, email, password string, c staff.Client) (staff.User, error)
	// StartSession returns the new session's token, for the cookie.
	StartSession(ctx context.Context, u staff.User, c staff.Client) (string, error)
	// SessionFor returns who the token signs in, or an apperr
	// Unauthenticated, and counts the request as activity.
	SessionFor(ctx context.Context, token string) (staff.User, error)
	// PeekSession is SessionFor for a page refreshing itself: it does not
	// keep the session alive.
	PeekSession(ctx context.Context, token string) (staff.User, error)
	EndSession(ctx context.Context, token string) error
}

// ConsoleCore is what the console's pages read (internal/console).
type ConsoleCore interface {
	// Alerts are the raised reconciliation alerts, for every page's banner.
	Alerts(ctx context.Context) []console.Alert
	// LastOutage is the newest outage an alert saw start and end, for
	// incident mode's preset; false when none is recorded.
	LastOutage(ctx context.Context) (recon.Outage, bool, error)
	Dashboard(ctx context.Context) (console.Dashboard, error)
	// Queue returns one page of the mismatch queue; me is who asks.
	Queue(ctx context.Context, f console.QueueFilter, me string) (console.QueuePage, error)
	OpenCount(ctx context.Context) (int, error)
	// Mismatch returns a mismatch's case file, or an apperr NotFound.
	Mismatch(ctx context.Context, id int64) (console.CaseFile, error)
	// Search finds the customers a pasted key names.
	Search(ctx context.Context, q string) (console.SearchResult, error)
	// Customer reads a customer's page, its timeline after the cursor.
	Customer(ctx context.Context, email, after string) (console.CustomerFile, error)
	// Emails lists the emails page; EmailMessage reads one email.
	Emails(ctx context.Context, f store.EmailListFilter) (console.EmailPage, error)
	EmailMessage(ctx context.Context, id int64) (store.EmailMessage, error)
}

// EmailResender is the Resend button (internal/mail's Outbox).
type EmailResender interface {
	Resend(ctx context.Context, r mail.Resend) (mail.Resent, error)
}

// sessionCookie carries the staff session token to /console only.
const sessionCookie = "backstop_staff"

// Failed sign-ins are limited per client address and email: enough for a
// person mistyping, far too few to guess a password.
const (
	loginAttempts = 10
	loginWindow   = 10 * time.Minute
)

const tooManyAttempts = "Too many sign-in attempts for this email from here. Please wait ten minutes and try again; " +
	"if you have forgotten your password, an admin can make you a new login."

// staffConsole is the staff console's handlers and what they share.
type staffConsole struct {
	auth      StaffAuth
	core      ConsoleCore
	actions   MismatchActions
	templates TemplateEditor
	resender  EmailResender
	incidents Incidents
	runs      ReconRuns
	audit     AuditLog
	// staffAdmin is the staff page's logins and their changes.
	staffAdmin StaffAdmin
	secure     bool // cookies carry Secure: BASE_URL is https
	attempts   *attemptLimiter
	now        func() time.Time
}

func newConsole(auth StaffAuth, core ConsoleCore, actions MismatchActions, baseURL string) staffConsole {
	return staffConsole{auth: auth, core: core, actions: actions, secure: isHTTPS(baseURL),
		attempts: newAttemptLimiter(loginAttempts, loginWindow), now: time.Now}
}

// handleLoginPage is GET /console/login: the form, or the console for
// someone already signed in.
func (h staffConsole) handleLoginPage(c *fiber.Ctx) error {
	if _, err := h.auth.SessionFor(c.UserContext(), c.Cookies(sessionCookie)); err == nil {
		return redirect(c, "/console/")
	}
	return h.renderLogin(c, fiber.StatusOK, views.ConsoleLoginView{Flash: takeFlash(c, h.secure)})
}

// handleLogin is POST /console/login. Wrong credentials re-render the form
// with 422 and one message; success starts a new session (a token planted
// earlier is never promoted), sets its cookie and goes to the console.
func (h staffConsole) handleLogin(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	key := attemptKey(c.IP(), email)
	if blocked, wait := h.attempts.blocked(key); blocked {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Round(time.Second)/time.Second)))
		return h.renderLogin(c, fiber.StatusTooManyRequests, views.ConsoleLoginView{Email: email, Notice: tooManyAttempts})
	}
	client := staff.Client{IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)}
	u, err := h.auth.Authenticate(c.UserContext(), email, c.FormValue("password"), client)
	if apperr.Is(err, apperr.Unauthenticated) {
		h.attempts.fail(key)
		v := views.ConsoleLoginView{Email: email, Error: apperr.SafeMessage(err, "Email or password is incorrect.")}
		return h.renderLogin(c, fiber.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	h.attempts.reset(key)
	token, err := h.auth.StartSession(c.UserContext(), u, client)
	if err != nil {
		return err
	}
	c.Cookie(consoleCookie(sessionCookie, token, int(staff.SessionLifetime/time.Second), h.secure))
	rotateCSRF(c, h.secure)
	return redirect(c, "/console/")
}

// handleLogout is POST /console/logout: the session ends in the database,
// not only in this browser, and the cookie is cleared.
func (h staffConsole) handleLogout(c *fiber.Ctx) error {
	if err := h.auth.EndSession(c.UserContext(), c.Cookies(sessionCookie)); err != nil {
		return err
	}
	c.Cookie(consoleCookie(sessionCookie, "", -1, h.secure))
	rotateCSRF(c, h.secure)
	flashNext(c, "You have signed out.", h.secure)
	return redirect(c, "/console/login")
}

func (h staffConsole) renderLogin(c *fiber.Ctx, status int, v views.ConsoleLoginView) error {
	v.CSRFToken = csrfToken(c)
	return render(c, status, views.ConsoleLoginPage(v), views.ConsoleLoginContent(v))
}

// attemptKey is what failed sign-ins are counted by: the client's address
// and the email in any case, bounded so a huge field cannot grow the map.
func attemptKey(ip, email string) string {
	email = strings.ToLower(email)
	if len(email) > 320 {
		email = email[:320]
	}
	return ip + "\x00" + email
}
