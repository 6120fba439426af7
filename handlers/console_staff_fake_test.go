package handlers

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
)

// The fake's staff page lists its two logins and refuses every change: the
// page's behaviour over the real database is internal/cli's staff tests.

func (f *fakeStaff) Logins(ctx context.Context) ([]staff.Login, error) {
	return []staff.Login{{ID: ana.ID, Email: ana.Email, Role: ana.Role}, {ID: bo.ID, Email: bo.Email, Role: bo.Role}}, nil
}

var errFakeStaffChange = apperr.New(apperr.Conflict, "The fake staff page changes nothing.")

func (f *fakeStaff) Create(ctx context.Context, actor, email string, role staff.Role) (staff.User, string, error) {
	return staff.User{}, "", errFakeStaffChange
}

func (f *fakeStaff) SetRole(ctx context.Context, actor string, id int64, role staff.Role) (staff.User, error) {
	return staff.User{}, errFakeStaffChange
}

func (f *fakeStaff) Disable(ctx context.Context, actor string, id int64) (staff.User, error) {
	return staff.User{}, errFakeStaffChange
}

func (f *fakeStaff) ResetPassword(ctx context.Context, actor string, id int64) (staff.User, string, error) {
	return staff.User{}, "", errFakeStaffChange
}
