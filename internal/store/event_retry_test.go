package store_test

import (
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/migrations"
)

// TestEventGiveUpMigrationExtendsTheKinds: 00012 adds event_failed to the
// kinds a mismatch may have and keeps every other one; undone, it takes
// only event_failed away; done again, it is back.
func TestEventGiveUpMigrationExtendsTheKinds(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	n := 0
	insert := func(kind string) error {
		n++
		_, err := s.DB().Exec(`INSERT INTO mismatches (kind, subject) VALUES ($1, 'subject-' || $2)`, kind, n)
		return err
	}
	require.NoError(t, insert("event_failed"))
	require.NoError(t, insert("orphan_payment"))
	require.NoError(t, insert("expired_pending"))
	require.Error(t, insert("no_such_kind"))

	p, err := goose.NewProvider(goose.DialectPostgres, s.DB().DB, migrations.FS)
	require.NoError(t, err)
	_, err = s.DB().Exec(`DELETE FROM mismatches WHERE kind = 'event_failed'`)
	require.NoError(t, err)
	_, err = p.DownTo(ctx, 11)
	require.NoError(t, err)
	require.Error(t, insert("event_failed"), "undone")
	require.NoError(t, insert("orphan_payment"))
	require.NoError(t, insert("expired_pending"))

	_, err = p.Up(ctx)
	require.NoError(t, err)
	require.NoError(t, insert("event_failed"))
	require.NoError(t, insert("duplicate_payment"))
	require.Error(t, insert("no_such_kind"))
}
