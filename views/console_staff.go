package views

import (
	"strconv"

	"github.com/backstophq/backstop/internal/staff"
)

// StaffView is the staff page (admin): every login and what can be done to
// it. Password is set only on the page that answers an add or a reset: it
// is shown that once and stored nowhere but as a hash.
type StaffView struct {
	Shell   ConsoleShell
	Logins  []staff.Login
	Problem string // why the last action was refused, in words
	Email   string // the add form's email, as typed
	Issued  *IssuedPassword
}

// IssuedPassword is a password just made for Email, shown once.
type IssuedPassword struct {
	Email, Password string
	Reset           bool // a reset of an existing login, not a new one
}

// StaffURL is a login's action URL on the staff page.
func StaffURL(id int64, action string) string {
	return "/console/staff/" + strconv.FormatInt(id, 10) + "/" + action
}
