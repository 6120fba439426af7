package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/views"
)

// StaffAdmin is the staff page (internal/staff's Service): each change is
// audited with the admin as actor in the same transaction as its effect.
type StaffAdmin interface {
	Logins(ctx context.Context) ([]staff.Login, error)
	// Create and ResetPassword return the generated password: the one
	// time it exists in the clear.
	Create(ctx context.Context, actor, email string, role staff.Role) (staff.User, string, error)
	SetRole(ctx context.Context, actor string, id int64, role staff.Role) (staff.User, error)
	Disable(ctx context.Context, actor string, id int64) (staff.User, error)
	ResetPassword(ctx context.Context, actor string, id int64) (staff.User, string, error)
}

const staffPath = "/console/staff"

// handleStaff is GET /console/staff: the logins and the add form.
func (h staffConsole) handleStaff(c *fiber.Ctx) error {
	return h.renderStaff(c, fiber.StatusOK, views.StaffView{})
}

// renderStaff answers with the staff page around v. A page that shows a
// new password is never cached.
func (h staffConsole) renderStaff(c *fiber.Ctx, status int, v views.StaffView) error {
	logins, err := h.staffAdmin.Logins(c.UserContext())
	if err != nil {
		return err
	}
	flash := v.Shell.Flash
	v.Shell, v.Logins = h.shell(c, staffPath), logins
	if flash != "" {
		v.Shell.Flash = flash // this page's own news, not a redirect's
	}
	if v.Issued != nil {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return render(c, status, views.StaffPage(v), views.StaffContent(v))
}

// handleAddStaff is POST /console/staff: the new login's password is on
// the page this answers with, not behind a redirect, so it is shown once.
func (h staffConsole) handleAddStaff(c *fiber.Ctx) error {
	email := strings.TrimSpace(c.FormValue("email"))
	u, password, err := h.staffAdmin.Create(c.UserContext(), signedInStaff(c).Email, email, staff.Role(c.FormValue("role")))
	if refused(err) {
		return h.renderStaff(c, fiber.StatusUnprocessableEntity, views.StaffView{Email: email, Problem: apperr.SafeMessage(err, "That login could not be added.")})
	}
	if err != nil {
		return err
	}
	v := views.StaffView{Issued: &views.IssuedPassword{Email: u.Email, Password: password}}
	v.Shell.Flash = fmt.Sprintf("Added %s as %s.", u.Email, u.Role)
	return h.renderStaff(c, fiber.StatusOK, v)
}

// handleStaffRole is POST /console/staff/:id/role.
func (h staffConsole) handleStaffRole(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return apperr.New(apperr.NotFound, "No such staff login.")
	}
	u, err := h.staffAdmin.SetRole(c.UserContext(), signedInStaff(c).Email, int64(id), staff.Role(c.FormValue("role")))
	return h.staffDone(c, err, func() string { return fmt.Sprintf("%s is now %s.", u.Email, u.Role) })
}

// handleStaffDisable is POST /console/staff/:id/disable: their sessions
// are deleted with the change, so their next request is the sign-in page.
func (h staffConsole) handleStaffDisable(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return apperr.New(apperr.NotFound, "No such staff login.")
	}
	u, err := h.staffAdmin.Disable(c.UserContext(), signedInStaff(c).Email, int64(id))
	return h.staffDone(c, err, func() string {
		return fmt.Sprintf("Disabled %s: they cannot sign in, and any open session of theirs has ended.", u.Email)
	})
}

// handleStaffReset is POST /console/staff/:id/reset: the new password is
// shown on this answer only, and their open sessions end.
func (h staffConsole) handleStaffReset(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil {
		return apperr.New(apperr.NotFound, "No such staff login.")
	}
	u, password, err := h.staffAdmin.ResetPassword(c.UserContext(), signedInStaff(c).Email, int64(id))
	if refused(err) {
		return h.renderStaff(c, fiber.StatusUnprocessableEntity, views.StaffView{Problem: apperr.SafeMessage(err, "That could not be done.")})
	}
	if err != nil {
		return err
	}
	v := views.StaffView{Issued: &views.IssuedPassword{Email: u.Email, Password: password, Reset: true}}
	v.Shell.Flash = fmt.Sprintf("Reset the password of %s: their open sessions have ended.", u.Email)
	return h.renderStaff(c, fiber.StatusOK, v)
}

// staffDone answers a role change or a disable: a refusal re-renders the
// page with the words (422); success goes back to it with a flash.
func (h staffConsole) staffDone(c *fiber.Ctx, err error, done func() string) error {
	if refused(err) {
		return h.renderStaff(c, fiber.StatusUnprocessableEntity, views.StaffView{Problem: apperr.SafeMessage(err, "That could not be done.")})
	}
	if err != nil {
		return err
	}
	flashNext(c, done(), h.secure)
	return redirect(c, staffPath)
}

// refused is an error the person can act on: shown in words, nothing done.
func refused(err error) bool {
	return apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.NotFound)
}
