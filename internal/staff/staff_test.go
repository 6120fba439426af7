package staff_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a settable time for session expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cheap keeps the service tests quick; TestHashAndVerify covers DefaultParams.
var cheap = staff.Params{Time: 1, Memory: 8 * 1024, Threads: 1, SaltLen: 16, KeyLen: 32}

func setup(t *testing.T) (*staff.Service, *store.Store, *clock, context.Context) {
	t.Helper()
	st := store.New(dbtest.New(t))
	c := &clock{t: time.Now()}
	return staff.NewService(st, staff.Options{Now: c.now, Params: cheap}), st, c, context.Background()
}

const goodPassword = "a long enough password"

func TestAddValidatesAndRefusesADuplicate(t *testing.T) {
	t.Parallel()
	svc, st, _, ctx := setup(t)
	u, err := svc.Add(ctx, " Ana@Example.com ", staff.RoleAdmin, goodPassword)
	require.NoError(t, err)
	assert.Equal(t, "ana@example.com", u.Email)
	assert.Equal(t, staff.RoleAdmin, u.Role)
	assert.NotContains(t, u.PasswordHash, goodPassword)

	_, err = svc.Add(ctx, "ANA@example.com", staff.RoleSupport, goodPassword)
	require.True(t, apperr.Is(err, apperr.Conflict), "%v", err)
	assert.Equal(t, "ana@example.com already has a staff login", apperr.SafeMessage(err, ""))

	for _, tc := range []struct{ email, role, password, msg string }{
		{"not-an-email", "admin", goodPassword, `email "not-an-email"`},
		{"Bo <bo@example.com>", "admin", goodPassword, "email"},
		{"bo@example.com", "owner", goodPassword, `role "owner": use support or admin`},
		{"bo@example.com", "support", "short", "password: use 12 to 1024 characters"},
	} {
		_, err := svc.Add(ctx, tc.email, staff.Role(tc.role), tc.password)
		require.True(t, apperr.Is(err, apperr.Invalid), "%v", err)
		assert.Contains(t, apperr.SafeMessage(err, ""), tc.msg)
	}
	n, err := svc.Count(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	audit, err := st.AuditEntries(ctx, 10)
	require.NoError(t, err)
	require.Len(t, audit, 1)
	assert.Equal(t, staff.AuditEntry{Actor: staff.CommandActor, Action: "staff.created", Target: "ana@example.com",
		Details: map[string]string{"role": "admin"}}, audit[0])
}

func TestAuthenticateGivesOneAnswerForEveryFailure(t *testing.T) {
	t.Parallel()
	svc, st, _, ctx := setup(t)
	_, err := svc.Add(ctx, "ana@example.com", staff.RoleSupport, goodPassword)
	require.NoError(t, err)

	u, err := svc.Authenticate(ctx, "ANA@example.com", goodPassword, staff.Client{})
	require.NoError(t, err)
	assert.Equal(t, "ana@example.com", u.Email)

	_, wrong := svc.Authenticate(ctx, "ana@example.com", goodPassword+"!", staff.Client{})
	_, unknown := svc.Authenticate(ctx, "nobody@example.com", goodPassword, staff.Client{})
	require.ErrorIs(t, wrong, staff.ErrBadCredentials)
	require.ErrorIs(t, unknown, staff.ErrBadCredentials)
	assert.Equal(t, wrong.Error(), unknown.Error())

	_, err = st.DB().Exec(`UPDATE staff_users SET disabled_at = now()`)
	require.NoError(t, err)
	_, disabled := svc.Authenticate(ctx, "ana@example.com", goodPassword, staff.Client{})
	require.ErrorIs(t, disabled, staff.ErrBadCredentials, "a disabled login cannot sign in")
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	svc, st, _, ctx := setup(t)
	u, err := svc.Add(ctx, "ana@example.com", staff.RoleAdmin, goodPassword)
	require.NoError(t, err)

	token, err := svc.StartSession(ctx, u, staff.Client{IP: "203.0.113.9", UserAgent: "test"})
	require.NoError(t, err)
	assert.Len(t, token, 43, "256 bits, base64url")
	var stored int
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	require.NoError(t, st.DB().Get(&stored, `SELECT count(*) FROM staff_sessions WHERE id = $1`, sum[:]))
	assert.Equal(t, 1, stored, "only the token's SHA-256 is stored")

	got, err := svc.SessionFor(ctx, token)
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.ID)

	other := "A" + token[1:]
	if token[0] == 'A' {
		other = "B" + token[1:]
	}
	_, err = svc.SessionFor(ctx, other)
	require.ErrorIs(t, err, staff.ErrNoSession, "another token is no session")
	_, err = svc.SessionFor(ctx, "garbage")
	require.ErrorIs(t, err, staff.ErrNoSession)

	require.NoError(t, svc.EndSession(ctx, token))
	_, err = svc.SessionFor(ctx, token)
	require.ErrorIs(t, err, staff.ErrNoSession, "signed out")
	require.NoError(t, svc.EndSession(ctx, token), "signing out twice is fine")

	audit, err := st.AuditEntries(ctx, 10)
	require.NoError(t, err)
	require.Len(t, audit, 3, "created, signed in, signed out (once)")
	assert.Equal(t, "staff.signed_out", audit[0].Action)
	assert.Equal(t, "ana@example.com", audit[0].Actor)
	assert.Equal(t, "staff.signed_in", audit[1].Action)
	assert.Equal(t, map[string]string{"ip": "203.0.113.9"}, audit[1].Details)
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	svc, _, clk, ctx := setup(t)
	u, err := svc.Add(ctx, "ana@example.com", staff.RoleSupport, goodPassword)
	require.NoError(t, err)
	started := clk.now()
	token, err := svc.StartSession(ctx, u, staff.Client{})
	require.NoError(t, err)

	// Used every 20 minutes, it never goes idle, but it still ends.
	for clk.now().Before(started.Add(staff.SessionLifetime - 20*time.Minute)) {
		clk.add(20 * time.Minute)
		_, err = svc.SessionFor(ctx, token)
		require.NoError(t, err, "still valid %v after sign-in", clk.now().Sub(started))
	}
	clk.set(started.Add(staff.SessionLifetime))
	_, err = svc.SessionFor(ctx, token)
	require.ErrorIs(t, err, staff.ErrNoSession, "expired after %v, however active", staff.SessionLifetime)
}

func TestSessionEndsWhenIdle(t *testing.T) {
	t.Parallel()
	svc, _, clk, ctx := setup(t)
	u, err := svc.Add(ctx, "ana@example.com", staff.RoleSupport, goodPassword)
	require.NoError(t, err)
	token, err := svc.StartSession(ctx, u, staff.Client{})
	require.NoError(t, err)

	clk.add(staff.IdleTimeout - time.Minute)
	_, err = svc.SessionFor(ctx, token)
	require.NoError(t, err, "a minute before the idle timeout, a click keeps the session")
	clk.add(staff.IdleTimeout - time.Minute)
	_, err = svc.SessionFor(ctx, token)
	require.NoError(t, err, "the timeout slides: it counts from the last use")

	// A page refreshing itself checks the session but never keeps it alive.
	for range 3 {
		clk.add(10 * time.Minute)
		_, err = svc.PeekSession(ctx, token)
		if err != nil {
			break
		}
	}
	require.ErrorIs(t, err, staff.ErrNoSession, "polling alone ends in the idle timeout")
	_, err = svc.SessionFor(ctx, token)
	require.ErrorIs(t, err, staff.ErrNoSession, "and a click after that finds no session")
}

func TestSignInPurgesEndedSessions(t *testing.T) {
	t.Parallel()
	svc, st, clk, ctx := setup(t)
	u, err := svc.Add(ctx, "ana@example.com", staff.RoleSupport, goodPassword)
	require.NoError(t, err)
	_, err = svc.StartSession(ctx, u, staff.Client{}) // left idle
	require.NoError(t, err)
	clk.add(10 * time.Minute)
	kept, err := svc.StartSession(ctx, u, staff.Client{}) // still in use
	require.NoError(t, err)
	clk.add(staff.IdleTimeout - 5*time.Minute)
	_, err = svc.SessionFor(ctx, kept)
	require.NoError(t, err)

	_, err = svc.StartSession(ctx, u, staff.Client{})
	require.NoError(t, err)

	var n int
	require.NoError(t, st.DB().Get(&n, `SELECT count(*) FROM staff_sessions`))
	assert.Equal(t, 2, n, "the idle session is gone; the one in use and the new one stay")
	_, err = svc.SessionFor(ctx, kept)
	require.NoError(t, err)
}

func TestFailedSignInsAreAudited(t *testing.T) {
	t.Parallel()
	svc, st, _, ctx := setup(t)
	_, err := svc.Add(ctx, "ana@example.com", staff.RoleSupport, goodPassword)
	require.NoError(t, err)
	long := "x" + strings.Repeat("é", 200) + "@example.com" // 413 bytes; byte 254 is inside an é
	for _, email := range []string{"ana@example.com", "nobody@example.com", long, " "} {
		_, err := svc.Authenticate(ctx, email, "wrong password", staff.Client{IP: "203.0.113.9"})
		require.ErrorIs(t, err, staff.ErrBadCredentials)
	}
	_, err = svc.Authenticate(ctx, "ana@example.com", goodPassword, staff.Client{IP: "203.0.113.9"})
	require.NoError(t, err)

	audit, err := st.AuditEntries(ctx, 10)
	require.NoError(t, err)
	require.Len(t, audit, 5, "four failures and the login's creation; a success adds no failure row")
	var actors []string
	for _, a := range audit[:4] {
		assert.Equal(t, staff.ActionLoginFailed, a.Action)
		assert.Equal(t, map[string]string{"ip": "203.0.113.9"}, a.Details)
		assert.NotContains(t, a.Actor+a.Target, "wrong password")
		actors = append(actors, a.Actor)
	}
	assert.Equal(t, "(no email typed)", actors[0])
	assert.LessOrEqual(t, len(actors[1]), 254)
	assert.True(t, utf8.ValidString(actors[1]), "cut at a character boundary")
	assert.True(t, strings.HasPrefix(long, actors[1]))
	assert.Equal(t, []string{"nobody@example.com", "ana@example.com"}, actors[2:])
}

func TestSessionEndsWhenTheLoginIsDisabled(t *testing.T) {
	t.Parallel()
	svc, st, _, ctx := setup(t)
	u, err := svc.Add(ctx, "ana@example.com", staff.RoleSupport, goodPassword)
	require.NoError(t, err)
	token, err := svc.StartSession(ctx, u, staff.Client{})
	require.NoError(t, err)
	_, err = st.DB().Exec(`UPDATE staff_users SET disabled_at = now()`)
	require.NoError(t, err)
	_, err = svc.SessionFor(ctx, token)
	require.ErrorIs(t, err, staff.ErrNoSession)
}
