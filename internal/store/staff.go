package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/staff"
)

// CreateStaffUser inserts u and the audit entry a in one transaction. An
// email that already has a login, in any case, is an apperr Conflict.
func (s *Store) CreateStaffUser(ctx context.Context, u staff.User, a staff.AuditEntry) (staff.User, error) {
	const q = `
		INSERT INTO staff_users (email, role, password_hash)
		VALUES ($1, $2, $3)
		RETURNING id, email, role, password_hash, created_at, disabled_at`
	var out staff.User
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.GetContext(ctx, &out, q, u.Email, u.Role, u.PasswordHash); err != nil {
			return mapErr(err)
		}
		return appendAudit(ctx, tx, a)
	})
	if err != nil {
		return staff.User{}, fmt.Errorf("create staff user: %w", err)
	}
	return out, nil
}

// StaffUserByEmail returns the login with email in any case, or an apperr
// NotFound.
func (s *Store) StaffUserByEmail(ctx context.Context, email string) (staff.User, error) {
	const q = `
		SELECT id, email, role, password_hash, created_at, disabled_at
		FROM staff_users
		WHERE lower(email) = lower($1)`
	var u staff.User
	if err := s.db.GetContext(ctx, &u, q, email); err != nil {
		return staff.User{}, fmt.Errorf("staff user: %w", mapErr(err))
	}
	return u, nil
}

// CountStaffUsers counts every login, disabled ones included.
func (s *Store) CountStaffUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM staff_users`); err != nil {
		return 0, fmt.Errorf("count staff users: %w", mapErr(err))
	}
	return n, nil
}

// CreateStaffSession stores the session and the sign-in's audit entry in
// one transaction.
func (s *Store) CreateStaffSession(ctx context.Context, ss staff.Session, a staff.AuditEntry) error {
	const q = `
		INSERT INTO staff_sessions (id, staff_user_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (:id, :staff_user_id, :created_at, :last_seen_at, :expires_at, :ip, :user_agent)`
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.NamedExecContext(ctx, q, ss); err != nil {
			return mapErr(err)
		}
		return appendAudit(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("create staff session: %w", err)
	}
	return nil
}

// StaffSession returns the session with id and its login, or an apperr
// NotFound. Expiry is the caller's to judge, against its own clock.
func (s *Store) StaffSession(ctx context.Context, id []byte) (staff.Session, staff.User, error) {
	const q = `
		SELECT s.id, s.staff_user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
			u.email, u.role, u.password_hash, u.created_at AS user_created_at, u.disabled_at
		FROM staff_sessions s
		JOIN staff_users u ON u.id = s.staff_user_id
		WHERE s.id = $1`
	var row struct {
		staff.Session
		Email         string     `db:"email"`
		Role          staff.Role `db:"role"`
		PasswordHash  string     `db:"password_hash"`
		UserCreatedAt time.Time  `db:"user_created_at"`
		DisabledAt    *time.Time `db:"disabled_at"`
	}
	if err := s.db.GetContext(ctx, &row, q, id); err != nil {
		return staff.Session{}, staff.User{}, fmt.Errorf("staff session: %w", mapErr(err))
	}
	u := staff.User{ID: row.UserID, Email: row.Email, Role: row.Role, PasswordHash: row.PasswordHash,
		CreatedAt: row.UserCreatedAt, DisabledAt: row.DisabledAt}
	return row.Session, u, nil
}

// TouchStaffSession records that the session was used at at.
func (s *Store) TouchStaffSession(ctx context.Context, id []byte, at time.Time) error {
	const q = `UPDATE staff_sessions SET last_seen_at = $2 WHERE id = $1`
	if _, err := s.db.ExecContext(ctx, q, id, at); err != nil {
		return fmt.Errorf("touch staff session: %w", mapErr(err))
	}
	return nil
}

// PurgeStaffSessions deletes every session that expired by expiredAt or
// was last used at or before idleSince: they can never sign anyone in
// again.
func (s *Store) PurgeStaffSessions(ctx context.Context, expiredAt, idleSince time.Time) error {
	const q = `DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at <= $2`
	if _, err := s.db.ExecContext(ctx, q, expiredAt.UTC(), idleSince.UTC()); err != nil {
		return fmt.Errorf("purge staff sessions: %w", mapErr(err))
	}
	return nil
}

// DeleteStaffSession removes the session and, when there was one, records
// a with the session's email as actor and target, in one transaction. It
// reports whether the session existed.
func (s *Store) DeleteStaffSession(ctx context.Context, id []byte, a staff.AuditEntry) (bool, error) {
	const q = `
		WITH d AS (DELETE FROM staff_sessions WHERE id = $1 RETURNING staff_user_id)
		SELECT u.email FROM d JOIN staff_users u ON u.id = d.staff_user_id`
	var emails []string
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := tx.SelectContext(ctx, &emails, q, id); err != nil {
			return mapErr(err)
		}
		if len(emails) == 0 {
			return nil
		}
		a.Actor, a.Target = emails[0], emails[0]
		return appendAudit(ctx, tx, a)
	})
	if err != nil {
		return false, fmt.Errorf("delete staff session: %w", err)
	}
	return len(emails) > 0, nil
}

// AuditEntries returns the newest audit rows first, at most limit.
func (s *Store) AuditEntries(ctx context.Context, limit int) ([]staff.AuditEntry, error) {
	const q = `SELECT actor, action, target, details FROM audit_log ORDER BY created_at DESC, id DESC LIMIT $1`
	var rows []struct {
		Actor   string `db:"actor"`
		Action  string `db:"action"`
		Target  string `db:"target"`
		Details []byte `db:"details"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, limit); err != nil {
		return nil, fmt.Errorf("audit entries: %w", mapErr(err))
	}
	out := make([]staff.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = staff.AuditEntry{Actor: r.Actor, Action: r.Action, Target: r.Target}
		if err := json.Unmarshal(r.Details, &out[i].Details); err != nil {
			return nil, fmt.Errorf("audit entry details: %w", err)
		}
	}
	return out, nil
}

func appendAudit(ctx context.Context, tx *Tx, a staff.AuditEntry) error {
	const q = `INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)`
	if a.Actor == "" || a.Action == "" {
		return errAuditIncomplete
	}
	details := make(map[string]string, len(a.Details))
	for k, v := range a.Details {
		details[auditText(k)] = auditText(v)
	}
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit details: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, auditText(a.Actor), a.Action, auditText(a.Target), string(b)); err != nil {
		return fmt.Errorf("audit: %w", mapErr(err))
	}
	return nil
}
