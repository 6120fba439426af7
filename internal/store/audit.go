package store

import (
	"context"
	"errors"
	"strings"

	"github.com/backstophq/backstop/internal/staff"
)

// Audited runs fn in one transaction and appends the audit entry fn
// returns before it commits, so the audit row exists if and only if the
// change it describes committed. fn returns the entry after doing its work,
// so the details can name what the work did (an order, an amount). An error
// from fn, or an entry without an actor or an action, rolls back both.
func (s *Store) Audited(ctx context.Context, fn func(tx *Tx) (staff.AuditEntry, error)) error {
	return s.InTx(ctx, func(tx *Tx) error {
		a, err := fn(tx)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, a)
	})
}

// AppendAudit records a on its own, for events whose record is the whole
// effect, such as a failed sign-in.
func (s *Store) AppendAudit(ctx context.Context, a staff.AuditEntry) error {
	return s.InTx(ctx, func(tx *Tx) error { return appendAudit(ctx, tx, a) })
}

// errAuditIncomplete refuses an audit entry that would not say who did
// what: the change it came with is rolled back.
var errAuditIncomplete = errors.New("audit entry needs an actor and an action")

// auditText makes s storable: PostgreSQL refuses NUL bytes and invalid
// UTF-8 in text and JSONB, and an audit row must never fail for what a
// person typed.
func auditText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
