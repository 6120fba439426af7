package staff

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// Login is one row of the staff page. LastSeenAt is when its newest open
// session was last used; nil when it has none.
type Login struct {
	ID         int64      `db:"id"`
	Email      string     `db:"email"`
	Role       Role       `db:"role"`
	CreatedAt  time.Time  `db:"created_at"`
	DisabledAt *time.Time `db:"disabled_at"`
	LastSeenAt *time.Time `db:"last_seen_at"`
}

// Change is what an admin does to a login; zero fields are left alone.
type Change struct {
	Role         Role
	Disable      bool
	PasswordHash string
}

// Audit actions of the staff page; the actor is the admin who acted.
const (
	ActionRoleChanged   = "staff.role_changed"
	ActionDisabled      = "staff.disabled"
	ActionPasswordReset = "staff.password_reset"
)

// Logins lists every staff login, disabled ones included.
func (s *Service) Logins(ctx context.Context) ([]Login, error) { return s.store.StaffLogins(ctx) }

// Create makes a login for email with role and a generated password, which
// it returns: the only time it exists in the clear. actor is the admin.
func (s *Service) Create(ctx context.Context, actor, email string, role Role) (User, string, error) {
	password, err := GeneratePassword()
	if err != nil {
		return User{}, "", err
	}
	u, err := s.add(ctx, actor, email, role, password)
	return u, password, err
}

// SetRole gives login id role. Errors: apperr Invalid for an unknown role,
// NotFound, and Conflict for demoting the last active admin.
func (s *Service) SetRole(ctx context.Context, actor string, id int64, role Role) (User, error) {
	if role != RoleSupport && role != RoleAdmin {
		return User{}, apperr.New(apperr.Invalid, fmt.Sprintf("role %q: use support or admin", role))
	}
	return s.store.ChangeStaffLogin(ctx, id, Change{Role: role},
		AuditEntry{Actor: actor, Action: ActionRoleChanged, Details: map[string]string{"role": string(role), "id": strconv.FormatInt(id, 10)}})
}

// Disable stops login id signing in and ends its sessions. Errors: apperr
// NotFound, and Conflict for the last active admin.
func (s *Service) Disable(ctx context.Context, actor string, id int64) (User, error) {
	return s.store.ChangeStaffLogin(ctx, id, Change{Disable: true},
		AuditEntry{Actor: actor, Action: ActionDisabled, Details: map[string]string{"id": strconv.FormatInt(id, 10)}})
}

// ResetPassword gives login id a new generated password, which it returns
// (the only time it exists in the clear), and ends its sessions.
func (s *Service) ResetPassword(ctx context.Context, actor string, id int64) (User, string, error) {
	password, err := GeneratePassword()
	if err != nil {
		return User{}, "", err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return User{}, "", err
	}
	u, err := s.store.ChangeStaffLogin(ctx, id, Change{PasswordHash: hash},
		AuditEntry{Actor: actor, Action: ActionPasswordReset, Details: map[string]string{"id": strconv.FormatInt(id, 10)}})
	return u, password, err
}
