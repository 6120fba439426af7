package cli

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

var generatedLineRE = regexp.MustCompile(`^staff login created: ana@example\.com \(admin\) password: ([2-9a-km-np-zA-HJ-NP-Z]{20})\n$`)

func TestStaffAddGeneratesAPasswordPrintedOnce(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": dbtest.URL(t)}
	out, _, err := runInProcess(t, env, "staff", "add", "--email", "Ana@example.com", "--role", "admin")
	require.NoError(t, err)
	m := generatedLineRE.FindStringSubmatch(out)
	require.NotNil(t, m, "output: %q", out)
	requireSignIn(t, env, "ana@example.com", m[1])

	_, _, err = runInProcess(t, env, "staff", "add", "--email", "ana@EXAMPLE.com", "--role", "support")
	require.EqualError(t, err, "staff add: ana@example.com already has a staff login")
}

func TestStaffAddTakesThePasswordFromStdin(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": dbtest.URL(t)}
	out, _, err := runWithStdin(t, env, "my chosen passphrase\nignored second line\n",
		"staff", "add", "--email", "bo@example.com", "--role", "support")
	require.NoError(t, err)
	assert.Equal(t, "staff login created: bo@example.com (support) with the password from stdin\n", out)
	assert.NotContains(t, out, "my chosen passphrase", "a password a person chose is never echoed")
	requireSignIn(t, env, "bo@example.com", "my chosen passphrase")
}

func TestStaffAddNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": dbtest.URL(t)}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"--email", "bo@example.com"}, "staff add: --email and --role are required"},
		{"", []string{"--email", "bo@example.com", "--role", "owner"}, `staff add: role "owner": use support or admin`},
		{"", []string{"--email", "bo", "--role", "admin"}, `staff add: email "bo": use a plain address like ana@example.com`},
		{"short\n", []string{"--email", "bo@example.com", "--role", "admin"}, "staff add: password: use 12 to 1024 characters"},
	} {
		_, _, err := runWithStdin(t, env, tc.stdin, append([]string{"staff", "add"}, tc.args...)...)
		assert.EqualError(t, err, tc.want)
	}
	_, _, err := runInProcess(t, nil, "staff", "add", "--email", "bo@example.com", "--role", "admin")
	assert.EqualError(t, err, "DATABASE_URL is required")
	_, usage, err := runInProcess(t, nil, "staff", "add", "--help")
	require.NoError(t, err)
	assert.Contains(t, usage, "usage: backstop staff add --email E --role support|admin")
}

// requireSignIn checks that email signs in with password.
func requireSignIn(t *testing.T, env map[string]string, email, password string) {
	t.Helper()
	st, err := store.Open(t.Context(), env["DATABASE_URL"])
	require.NoError(t, err)
	defer st.Close()
	u, err := staff.NewService(st, staff.Options{}).Authenticate(t.Context(), email, password, staff.Client{})
	require.NoError(t, err)
	assert.Equal(t, email, u.Email)
}
