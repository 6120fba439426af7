package cli

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
)

// signInAs is a fresh browser signing in to the console with email and
// password; it returns the browser and the sign-in's status.
func (s *testStack) signInAs(t *testing.T, email, password string) (*staffBrowser, int) {
	t.Helper()
	b := &staffBrowser{s: s, cookies: map[string]string{}}
	b.get(t, "/console/login")
	res := b.post(t, "/console/login", url.Values{"email": {email}, "password": {password}})
	if res.status == http.StatusSeeOther {
		b.get(t, "/console/") // the token rotated at sign-in
	}
	return b, res.status
}

func (s *testStack) staffID(t *testing.T, email string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, s.store.DB().Get(&id, `SELECT id FROM staff_users WHERE email = $1`, email))
	return id
}

func staffActionURL(id int64, action string) string {
	return "/console/staff/" + strconv.FormatInt(id, 10) + "/" + action
}

// TestConsoleStaffAddShowsThePasswordOnce: an admin adds a login; the
// generated password is on the answer, never on the page again, and signs
// the new login in. The add is audited with the admin as actor.
func TestConsoleStaffAddShowsThePasswordOnce(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	admin := s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)

	p := admin.post(t, "/console/staff", url.Values{"email": {"New@Example.test"}, "role": {"support"}})
	require.Equal(t, http.StatusOK, p.status, p.body)
	password := p.one(t, "issued-password-value")
	assert.Len(t, password, staff.GeneratedPasswordLen)
	assert.Equal(t, "Added new@example.test as support.", p.one(t, "flash"))
	assert.Equal(t, "no-store", p.header.Get("Cache-Control"))

	again := admin.get(t, "/console/staff")
	require.Equal(t, http.StatusOK, again.status)
	assert.NotContains(t, again.body, password, "the password is shown once")
	assert.Empty(t, again.all("issued-password"))

	_, status := s.signInAs(t, "new@example.test", password)
	assert.Equal(t, http.StatusSeeOther, status, "the new login signs in with the password shown")
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'staff.created'
		AND actor = 'ana@example.test' AND target = 'new@example.test'`))

	dup := admin.post(t, "/console/staff", url.Values{"email": {"new@example.test"}, "role": {"admin"}})
	assert.Equal(t, http.StatusUnprocessableEntity, dup.status)
	assert.Equal(t, "new@example.test already has a staff login", dup.one(t, "staff-problem"))
}

// TestConsoleStaffChangeRole: make admin, confirmed in words and audited.
func TestConsoleStaffChangeRole(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	admin := s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)
	s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	bo := s.staffID(t, "bo@example.test")

	res := admin.post(t, staffActionURL(bo, "role"), url.Values{"role": {"admin"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	p := admin.get(t, "/console/staff")
	assert.Equal(t, "bo@example.test is now admin.", p.one(t, "flash"))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM staff_users WHERE id = $1 AND role = 'admin'`, bo))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'staff.role_changed'
		AND actor = 'ana@example.test' AND target = 'bo@example.test' AND details->>'role' = 'admin'`))

	bad := admin.post(t, staffActionURL(bo, "role"), url.Values{"role": {"owner"}})
	assert.Equal(t, http.StatusUnprocessableEntity, bad.status)
	assert.Equal(t, `role "owner": use support or admin`, bad.one(t, "staff-problem"))
}

// TestConsoleStaffDisableEndsTheirSession: the disabled login's open
// session gets the sign-in page on its next request, and it cannot sign
// in again.
func TestConsoleStaffDisableEndsTheirSession(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	admin := s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)
	support := s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	bo := s.staffID(t, "bo@example.test")
	require.Equal(t, http.StatusOK, support.get(t, "/console/").status)

	res := admin.post(t, staffActionURL(bo, "disable"), url.Values{})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	p := admin.get(t, "/console/staff")
	assert.Equal(t, "Disabled bo@example.test: they cannot sign in, and any open session of theirs has ended.", p.one(t, "flash"))
	assert.Zero(t, s.count(t, `SELECT count(*) FROM staff_sessions WHERE staff_user_id = $1`, bo), "their sessions are deleted")

	next := support.get(t, "/console/")
	assert.Equal(t, http.StatusSeeOther, next.status)
	assert.Equal(t, "/console/login", next.header.Get("Location"), "their next request is the sign-in page")
	_, status := s.signInAs(t, "bo@example.test", consolePassword)
	assert.Equal(t, http.StatusUnprocessableEntity, status, "a disabled login cannot sign in")
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'staff.disabled'
		AND actor = 'ana@example.test' AND target = 'bo@example.test'`))
}

// TestConsoleStaffResetPassword: the new password is shown once and works,
// the old one is refused, and the open session ends.
func TestConsoleStaffResetPassword(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	admin := s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)
	support := s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	bo := s.staffID(t, "bo@example.test")

	p := admin.post(t, staffActionURL(bo, "reset"), url.Values{})
	require.Equal(t, http.StatusOK, p.status, p.body)
	password := p.one(t, "issued-password-value")
	assert.Equal(t, "Reset the password of bo@example.test: their open sessions have ended.", p.one(t, "flash"))
	assert.NotContains(t, admin.get(t, "/console/staff").body, password, "shown once")

	next := support.get(t, "/console/")
	assert.Equal(t, "/console/login", next.header.Get("Location"), "their open session ended")
	_, status := s.signInAs(t, "bo@example.test", consolePassword)
	assert.Equal(t, http.StatusUnprocessableEntity, status, "the old password is refused")
	_, status = s.signInAs(t, "bo@example.test", password)
	assert.Equal(t, http.StatusSeeOther, status, "the new password works")
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'staff.password_reset'
		AND actor = 'ana@example.test' AND target = 'bo@example.test'`))
}

// TestConsoleStaffKeepsTheLastAdmin: the only active admin can be neither
// disabled nor demoted; the refusal is in words and nothing changes.
func TestConsoleStaffKeepsTheLastAdmin(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	admin := s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)
	s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	ana := s.staffID(t, "ana@example.test")
	const words = "That is the last active admin: make another login an admin first, so someone can still manage staff."

	for _, tc := range []struct {
		action string
		form   url.Values
	}{{"disable", url.Values{}}, {"role", url.Values{"role": {"support"}}}} {
		p := admin.post(t, staffActionURL(ana, tc.action), tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, p.status, tc.action)
		assert.Equal(t, words, p.one(t, "staff-problem"), tc.action)
	}
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM staff_users WHERE id = $1 AND role = 'admin' AND disabled_at IS NULL`, ana))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM staff_sessions WHERE staff_user_id = $1`, ana), "still signed in")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('staff.disabled', 'staff.role_changed')`))
	assert.Equal(t, http.StatusOK, admin.get(t, "/console/staff").status)
}

// TestStaffTwoAdminsDisablingEachOtherLeaveOne: two admins disabling each
// other at the same moment, many times over: the row lock on the admins
// means one wins and the other is refused, never zero admins left.
func TestStaffTwoAdminsDisablingEachOtherLeaveOne(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	for i := range 20 {
		a, b := "a"+strconv.Itoa(i)+"@example.test", "b"+strconv.Itoa(i)+"@example.test"
		_, err := s.store.DB().Exec(`UPDATE staff_users SET role = 'support'`)
		require.NoError(t, err)
		ua, err := s.staff.Add(ctx, a, staff.RoleAdmin, consolePassword)
		require.NoError(t, err)
		ub, err := s.staff.Add(ctx, b, staff.RoleAdmin, consolePassword)
		require.NoError(t, err)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for j, pair := range [][2]staff.User{{ua, ub}, {ub, ua}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[j] = s.staff.Disable(ctx, pair[0].Email, pair[1].ID)
			}()
		}
		close(start)
		wg.Wait()
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM staff_users WHERE role = 'admin' AND disabled_at IS NULL`),
			"round %d: exactly one admin is left (errors %v)", i, errs)
		refusedOne := apperr.Is(errs[0], apperr.Conflict) != apperr.Is(errs[1], apperr.Conflict)
		assert.True(t, refusedOne, "round %d: one disable wins, the other is refused: %v", i, errs)
	}
}

// TestConsoleStaffIsAdminOnly: a support login gets 403 on every staff
// route, and nothing changes.
func TestConsoleStaffIsAdminOnly(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	s.staffBrowser(t, "ana@example.test", staff.RoleAdmin)
	support := s.staffBrowser(t, "bo@example.test", staff.RoleSupport)
	ana := s.staffID(t, "ana@example.test")

	assert.Equal(t, http.StatusForbidden, support.get(t, "/console/staff").status)
	for _, tc := range []struct {
		target string
		form   url.Values
	}{
		{"/console/staff", url.Values{"email": {"sneaky@example.test"}, "role": {"admin"}}},
		{staffActionURL(ana, "role"), url.Values{"role": {"support"}}},
		{staffActionURL(ana, "disable"), url.Values{}},
		{staffActionURL(ana, "reset"), url.Values{}},
	} {
		assert.Equal(t, http.StatusForbidden, support.post(t, tc.target, tc.form).status, tc.target)
	}
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM staff_users WHERE id = $1 AND role = 'admin' AND disabled_at IS NULL`, ana))
	assert.Zero(t, s.count(t, `SELECT count(*) FROM staff_users WHERE email = 'sneaky@example.test'`))
	assert.Zero(t, s.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('staff.disabled', 'staff.role_changed', 'staff.password_reset')`))
	_, status := s.signInAs(t, "ana@example.test", consolePassword)
	assert.Equal(t, http.StatusSeeOther, status, "the admin's password is unchanged")
}
