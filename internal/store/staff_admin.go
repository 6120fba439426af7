package store

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
)

// StaffLogins lists every login, by email, with when its newest open
// session was last used (nil when it has none).
func (s *Store) StaffLogins(ctx context.Context) ([]staff.Login, error) {
	const q = `
		SELECT u.id, u.email, u.role, u.created_at, u.disabled_at,
			(SELECT max(ss.last_seen_at) FROM staff_sessions ss WHERE ss.staff_user_id = u.id) AS last_seen_at
		FROM staff_users u
		ORDER BY lower(u.email)`
	var out []staff.Login
	if err := s.db.SelectContext(ctx, &out, q); err != nil {
		return nil, fmt.Errorf("staff logins: %w", mapErr(err))
	}
	return out, nil
}

// errLastAdmin is the refusal to leave the console without an active admin.
var errLastAdmin = apperr.New(apperr.Conflict,
	"That is the last active admin: make another login an admin first, so someone can still manage staff.")

// ChangeStaffLogin applies ch to the login with id and records a, in one
// transaction: a new role, a disable (its sessions deleted, so it is signed
// out on its next request) or a new password hash (its sessions deleted
// too). Demoting or disabling an active admin takes a lock on every active
// admin first (FOR UPDATE), so two admins disabling each other at once
// cannot leave none: the second sees the first's change and is refused.
// Errors: apperr NotFound for no such login; apperr Conflict for the last
// active admin, with nothing changed.
func (s *Store) ChangeStaffLogin(ctx context.Context, id int64, ch staff.Change, a staff.AuditEntry) (staff.User, error) {
	var out staff.User
	err := s.InTx(ctx, func(tx *Tx) error {
		if ch.Disable || (ch.Role != "" && ch.Role != staff.RoleAdmin) {
			if err := keepAnAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		const q = `
			UPDATE staff_users SET
				role = COALESCE(NULLIF($2, ''), role),
				disabled_at = CASE WHEN $3 THEN COALESCE(disabled_at, now()) ELSE disabled_at END,
				password_hash = COALESCE(NULLIF($4, ''), password_hash)
			WHERE id = $1
			RETURNING id, email, role, password_hash, created_at, disabled_at`
		if err := tx.GetContext(ctx, &out, q, id, string(ch.Role), ch.Disable, ch.PasswordHash); err != nil {
			return mapErr(err)
		}
		if ch.Disable || ch.PasswordHash != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE staff_user_id = $1`, id); err != nil {
				return mapErr(err)
			}
		}
		a.Target = out.Email
		return appendAudit(ctx, tx, a)
	})
	if err != nil {
		return staff.User{}, fmt.Errorf("change staff login: %w", err)
	}
	return out, nil
}

// keepAnAdmin refuses when id is an active admin and no other active admin
// exists. It locks the active admins' rows until the transaction ends.
func keepAnAdmin(ctx context.Context, tx *Tx, id int64) error {
	var admins []int64
	const q = `SELECT id FROM staff_users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE`
	if err := tx.SelectContext(ctx, &admins, q); err != nil {
		return mapErr(err)
	}
	for _, a := range admins {
		if a == id && len(admins) == 1 {
			return errLastAdmin
		}
	}
	return nil
}
