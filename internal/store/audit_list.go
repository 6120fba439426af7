package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditFilter is what the audit log page filters on; an empty field does
// not filter. Actor matches in any case, action and target exactly; From
// and To bound created_at (From inclusive, To exclusive).
type AuditFilter struct {
	Actor, Action, Target string
	From, To              *time.Time
}

// AuditRow is one row of audit_log as the console shows it.
type AuditRow struct {
	ID        int64             `db:"id"`
	Actor     string            `db:"actor"`
	Action    string            `db:"action"`
	Target    string            `db:"target"`
	Details   map[string]string `db:"-"`
	CreatedAt time.Time         `db:"created_at"`
}

// where is the one WHERE clause of the audit page and its CSV export, so
// the file holds exactly the rows the page filtered. Placeholders start at
// $1; the caller's own arguments follow args.
func (f AuditFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Actor != "" {
		add("lower(actor) = lower(?)", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Target != "" {
		add("target = ?", f.Target)
	}
	if f.From != nil {
		add("created_at >= ?", *f.From)
	}
	if f.To != nil {
		add("created_at < ?", *f.To)
	}
	if len(conds) == 0 {
		return "TRUE", nil
	}
	return strings.Join(conds, " AND "), args
}

const auditColumns = `id, actor, action, target, details, created_at`

// AuditPage is one page of the filtered audit log, newest first: the rows
// older than row before (0 for the newest), at most limit.
func (s *Store) AuditPage(ctx context.Context, f AuditFilter, before int64, limit int) ([]AuditRow, error) {
	where, args := f.where()
	n := len(args)
	q := fmt.Sprintf(`SELECT %s FROM audit_log WHERE %s
		AND ($%d = 0 OR (created_at, id) < (SELECT created_at, id FROM audit_log WHERE id = $%d))
		ORDER BY created_at DESC, id DESC LIMIT $%d`, auditColumns, where, n+1, n+1, n+2)
	return s.queryAudit(ctx, q, append(args, before, limit)...)
}

// AuditExport is every filtered row, newest first, at most limit: what the
// page's CSV link downloads.
func (s *Store) AuditExport(ctx context.Context, f AuditFilter, limit int) ([]AuditRow, error) {
	where, args := f.where()
	q := fmt.Sprintf(`SELECT %s FROM audit_log WHERE %s ORDER BY created_at DESC, id DESC LIMIT $%d`,
		auditColumns, where, len(args)+1)
	return s.queryAudit(ctx, q, append(args, limit)...)
}

func (s *Store) queryAudit(ctx context.Context, q string, args ...any) ([]AuditRow, error) {
	rows, err := s.db.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", mapErr(err))
	}
	defer rows.Close()
	out := []AuditRow{}
	for rows.Next() {
		var r AuditRow
		var details []byte
		if err := rows.Scan(&r.ID, &r.Actor, &r.Action, &r.Target, &details, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan audit row: %w", err)
		}
		// Details were written as strings; a row written otherwise still
		// shows, with its details left out.
		_ = json.Unmarshal(details, &r.Details)
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}
