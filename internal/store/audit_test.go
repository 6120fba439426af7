package store_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// TestAuditedWritesTheRowWithTheEffect: the audit row and the change it
// describes commit together or not at all.
func TestAuditedWritesTheRowWithTheEffect(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	entry := staff.AuditEntry{Actor: "ana@example.com", Action: "plan.added", Target: "plan:p"}

	err := s.Audited(ctx, func(tx *store.Tx) (staff.AuditEntry, error) {
		_, err := tx.ExecContext(ctx, insertPlan)
		return entry, err
	})
	require.NoError(t, err)
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM plans`))
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM audit_log WHERE action = 'plan.added'`))

	boom := errors.New("boom")
	err = s.Audited(ctx, func(tx *store.Tx) (staff.AuditEntry, error) {
		_, err := tx.ExecContext(ctx, `DELETE FROM plans`)
		require.NoError(t, err)
		return entry, boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM plans`), "a failed change is rolled back")
	assert.Equal(t, 1, count(t, s, `SELECT count(*) FROM audit_log`), "and leaves no audit row")
}

// TestAuditedRefusesAnAnonymousChange: an entry that does not say who did
// what rolls the change back instead of recording it half.
func TestAuditedRefusesAnAnonymousChange(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	for _, a := range []staff.AuditEntry{{Action: "plan.added"}, {Actor: "ana@example.com"}} {
		err := s.Audited(ctx, func(tx *store.Tx) (staff.AuditEntry, error) {
			_, err := tx.ExecContext(ctx, insertPlan)
			return a, err
		})
		require.Error(t, err, "%+v", a)
	}
	assert.Zero(t, count(t, s, `SELECT count(*) FROM plans`))
	assert.Zero(t, count(t, s, `SELECT count(*) FROM audit_log`))
}

// TestAuditKeepsWhatPostgreSQLCannotStore: a NUL byte or invalid UTF-8 in
// what a person typed never makes the audit row (and its change) fail.
func TestAuditKeepsWhatPostgreSQLCannotStore(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	err := s.AppendAudit(ctx, staff.AuditEntry{Actor: "ana\x00@example.com", Action: staff.ActionLoginFailed,
		Target: "bad \xff byte", Details: map[string]string{"note\x00": "a\x00b"}})
	require.NoError(t, err)
	got, err := s.AuditEntries(ctx, 1)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, staff.AuditEntry{Actor: "ana@example.com", Action: staff.ActionLoginFailed,
		Target: "bad \uFFFD byte", Details: map[string]string{"note": "ab"}}, got[0])
}
