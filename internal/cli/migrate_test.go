package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

// runInProcess runs `backstop args...` with env as the whole environment
// and returns what it printed.
func runInProcess(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runWithStdin(t, env, "", args...)
}

// runWithStdin is runInProcess with stdin as the command's standard input.
func runWithStdin(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = Run(t.Context(), append([]string{"backstop"}, args...), getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// emptyDatabaseURL returns a fresh database with no tables at all.
func emptyDatabaseURL(t *testing.T) string {
	t.Helper()
	url := dbtest.URL(t)
	st, err := store.Open(t.Context(), url)
	require.NoError(t, err)
	defer st.Close()
	_, err = st.DB().Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
	require.NoError(t, err)
	return url
}

func TestMigrateRequiresDatabaseURL(t *testing.T) {
	t.Parallel()
	_, _, err := runInProcess(t, nil, "migrate")
	require.EqualError(t, err, "DATABASE_URL is required")
}

func TestMigrateUpThenStatus(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": emptyDatabaseURL(t)}

	out, _, err := runInProcess(t, env, "migrate", "status")
	require.NoError(t, err)
	require.Regexp(t, `pending +- +00001_core\.sql`, out)
	require.Regexp(t, `(?m)^ +pending +001_`, out)

	out, logs, err := runInProcess(t, env, "migrate")
	require.NoError(t, err)
	require.Equal(t, "migrations are up to date\n", out)
	require.Contains(t, logs, "00001_core.sql", "each applied migration is logged")

	out, _, err = runInProcess(t, env, "migrate", "status")
	require.NoError(t, err)
	require.NotRegexp(t, `(?m)^ +pending`, out)

	st, err := store.Open(t.Context(), env["DATABASE_URL"])
	require.NoError(t, err)
	defer st.Close()
	require.NoError(t, st.Ready(context.Background()))

	_, _, err = runInProcess(t, env, "migrate", "up")
	require.NoError(t, err, "a second up is a no-op")
}

func TestMigrateUnknownAction(t *testing.T) {
	t.Parallel()
	_, _, err := runInProcess(t, map[string]string{"DATABASE_URL": "postgres://unused"}, "migrate", "down")
	require.ErrorContains(t, err, `unknown action "down"`)
}

func TestMigrateHelp(t *testing.T) {
	t.Parallel()
	_, usage, err := runInProcess(t, nil, "migrate", "--help")
	require.NoError(t, err)
	require.Contains(t, usage, "usage: backstop migrate [up|status]")
}
