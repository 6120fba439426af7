package store_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

func TestMigrateTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	require.NoError(t, store.Migrate(ctx, s.DB().DB, nil))
	require.NoError(t, s.Ready(ctx))
}

func TestMigrationStatus(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	var out bytes.Buffer
	require.NoError(t, store.MigrationStatus(ctx, s.DB().DB, &out))
	require.Contains(t, out.String(), "backstop migrations:")
	require.Regexp(t, `applied .* 00001_core\.sql`, out.String())
	require.Contains(t, out.String(), "river migrations:")
	require.Regexp(t, `applied +001_`, out.String())
	require.NotRegexp(t, `(?m)^ +pending`, out.String())

	_, err := s.DB().Exec(`DELETE FROM goose_db_version WHERE version_id = 1`)
	require.NoError(t, err)
	out.Reset()
	require.NoError(t, store.MigrationStatus(ctx, s.DB().DB, &out))
	require.Regexp(t, `pending +- +00001_core\.sql`, out.String())
}

func TestReadyRefusesPendingBackstopMigration(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`)
	require.NoError(t, err)
	err = s.Ready(ctx)
	require.True(t, apperr.Is(err, apperr.Unavailable), "%v", err)
	require.ErrorContains(t, err, "backstop migrations pending")
}

func TestReadyRefusesPendingRiverMigration(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().Exec(`DELETE FROM river_migration WHERE version = (SELECT max(version) FROM river_migration)`)
	require.NoError(t, err)
	err = s.Ready(ctx)
	require.True(t, apperr.Is(err, apperr.Unavailable), "%v", err)
	require.ErrorContains(t, err, "River migrations pending")
}

func TestReadyRefusesSynchronousCommitOff(t *testing.T) {
	t.Parallel()
	ctx, s := t.Context(), opened(t)
	s.DB().SetMaxOpenConns(1) // so the SET below holds for Ready's queries
	_, err := s.DB().Exec(`SET synchronous_commit = off`)
	require.NoError(t, err)
	err = s.Ready(ctx)
	require.True(t, apperr.Is(err, apperr.Unavailable), "%v", err)
	require.ErrorContains(t, err, "synchronous_commit")
}

func TestReadyOnAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	_, err := s.DB().Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
	require.NoError(t, err)
	err = s.Ready(ctx)
	require.True(t, apperr.Is(err, apperr.Unavailable), "%v", err)
	require.ErrorContains(t, err, "backstop migrations pending")
}
