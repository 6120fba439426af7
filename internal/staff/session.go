package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/apperr"
)

// SessionLifetime is how long a sign-in lasts, whatever the activity: a
// working day and a little more, so nobody signs in twice in one shift.
const SessionLifetime = 12 * time.Hour

// IdleTimeout ends a session nobody has used for this long, so a console
// left open on an unattended desk stops showing customers' data. Each use
// slides it; a page that only refreshes itself does not (PeekSession).
const IdleTimeout = 30 * time.Minute

// touchEvery limits last_seen_at writes to one a minute per session, so
// the idle timeout is exact to within a minute.
const touchEvery = time.Minute

// Session is a signed-in browser. ID is the SHA-256 of the cookie's token.
type Session struct {
	ID         []byte    `db:"id"`
	UserID     int64     `db:"staff_user_id"`
	CreatedAt  time.Time `db:"created_at"`
	LastSeenAt time.Time `db:"last_seen_at"`
	ExpiresAt  time.Time `db:"expires_at"`
	IP         string    `db:"ip"`
	UserAgent  string    `db:"user_agent"`
}

// Client describes the browser a session is started for, for the audit
// log and the sessions table.
type Client struct {
	IP        string
	UserAgent string
}

// ErrNoSession is the answer for a missing, unknown, expired or ended
// session, and for a disabled login.
var ErrNoSession = apperr.New(apperr.Unauthenticated, "Please sign in.")

// StartSession signs u in and returns the session's token, the only time it
// exists in the clear: the caller puts it in the cookie. Every call makes a
// new token, so a token planted before sign-in is never promoted.
func (s *Service) StartSession(ctx context.Context, u User, c Client) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	// PostgreSQL keeps microseconds; truncating here means the expiry read
	// back is the one computed, not one rounded up past it.
	now := s.now().UTC().Truncate(time.Microsecond)
	sess := Session{
		ID: hashToken(raw), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionLifetime),
		IP: truncate(c.IP, 64), UserAgent: truncate(c.UserAgent, 512),
	}
	a := AuditEntry{Actor: u.Email, Action: "staff.signed_in", Target: u.Email, Details: map[string]string{"ip": sess.IP}}
	if err := s.store.CreateStaffSession(ctx, sess, a); err != nil {
		return "", err
	}
	// Sessions that ended by time are deleted at each sign-in: the table
	// stays as small as the staff, and no job is needed for it.
	if err := s.store.PurgeStaffSessions(ctx, now, now.Add(-IdleTimeout)); err != nil {
		return "", err
	}
	return token, nil
}

// SessionFor returns the user signed in with token, or ErrNoSession, and
// counts the request as activity: the idle timeout starts again.
func (s *Service) SessionFor(ctx context.Context, token string) (User, error) {
	return s.session(ctx, token, true)
}

// PeekSession is SessionFor for a request nobody made by hand (a count that
// refreshes itself every few seconds): it checks the session without
// keeping it alive, so an open page left alone still times out.
func (s *Service) PeekSession(ctx context.Context, token string) (User, error) {
	return s.session(ctx, token, false)
}

func (s *Service) session(ctx context.Context, token string, activity bool) (User, error) {
	id, ok := sessionID(token)
	if !ok {
		return User{}, ErrNoSession
	}
	sess, u, err := s.store.StaffSession(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return User{}, ErrNoSession
	}
	if err != nil {
		return User{}, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(IdleTimeout)) || u.DisabledAt != nil {
		return User{}, ErrNoSession
	}
	if activity && now.Sub(sess.LastSeenAt) >= touchEvery {
		// Truncated as at the start: PostgreSQL would round it up.
		if err := s.store.TouchStaffSession(ctx, id, now.UTC().Truncate(time.Microsecond)); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// EndSession signs the token's session out. An unknown or malformed token
// is not an error: the browser is signed out either way.
func (s *Service) EndSession(ctx context.Context, token string) error {
	id, ok := sessionID(token)
	if !ok {
		return nil
	}
	_, err := s.store.DeleteStaffSession(ctx, id, AuditEntry{Action: "staff.signed_out"})
	return err
}

// sessionID is the stored id of a cookie token; ok is false for anything
// that is not 32 bytes of base64url.
func sessionID(token string) ([]byte, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 {
		return nil, false
	}
	return hashToken(raw), true
}

func hashToken(raw []byte) []byte {
	sum := sha256.Sum256(raw)
	return sum[:]
}

// truncate keeps at most n bytes of s, cut at a character boundary, as
// storable text: PostgreSQL refuses NUL bytes and invalid UTF-8, and a
// header or a typed email may carry either.
func truncate(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
