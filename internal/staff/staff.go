package staff

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// Role is what a staff login may do: support works the queue, admin also
// manages staff and templates.
type Role string

const (
	RoleSupport Role = "support"
	RoleAdmin   Role = "admin"
)

// User is a staff login. PasswordHash is the argon2id PHC string.
type User struct {
	ID           int64      `db:"id"`
	Email        string     `db:"email"`
	Role         Role       `db:"role"`
	PasswordHash string     `db:"password_hash"`
	CreatedAt    time.Time  `db:"created_at"`
	DisabledAt   *time.Time `db:"disabled_at"`
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	Actor   string            // an email, or the command that acted
	Action  string            // e.g. staff.created, staff.signed_in
	Target  string            // what it acted on, e.g. a staff email
	Details map[string]string // stored as JSON
}

// MismatchTarget is the audit target of every action on mismatch id, so
// the mismatch's timeline finds them.
func MismatchTarget(id int64) string { return "mismatch:" + strconv.FormatInt(id, 10) }

// Store is what the package needs from the database. Each write that comes
// with an audit entry stores both in one transaction.
type Store interface {
	// CreateStaffUser inserts u; an email taken in any case is an apperr Conflict.
	CreateStaffUser(ctx context.Context, u User, a AuditEntry) (User, error)
	// StaffUserByEmail finds a login by email in any case, or apperr NotFound.
	StaffUserByEmail(ctx context.Context, email string) (User, error)
	CountStaffUsers(ctx context.Context) (int, error)
	CreateStaffSession(ctx context.Context, s Session, a AuditEntry) error
	// StaffSession returns the session with id and its user, or apperr NotFound.
	StaffSession(ctx context.Context, id []byte) (Session, User, error)
	TouchStaffSession(ctx context.Context, id []byte, at time.Time) error
	// DeleteStaffSession removes the session and, when it existed, records
	// a with the session's email as actor. It reports whether it existed.
	DeleteStaffSession(ctx context.Context, id []byte, a AuditEntry) (bool, error)
	// PurgeStaffSessions deletes the sessions that expired by expiredAt or
	// were last used at or before idleSince.
	PurgeStaffSessions(ctx context.Context, expiredAt, idleSince time.Time) error
	// AppendAudit records a on its own.
	AppendAudit(ctx context.Context, a AuditEntry) error
	// StaffLogins lists every login for the staff page.
	StaffLogins(ctx context.Context) ([]Login, error)
	// ChangeStaffLogin applies ch to login id and records a (its Target
	// set to the login's email) in one transaction; disabling or a new
	// password deletes its sessions. It refuses, with apperr Conflict, to
	// leave no active admin.
	ChangeStaffLogin(ctx context.Context, id int64, ch Change, a AuditEntry) (User, error)
}

// Service manages staff logins and sessions.
type Service struct {
	store  Store
	now    func() time.Time
	params Params
	// hashing bounds concurrent argon2 runs: each takes Params.Memory, and
	// a burst of sign-ins must not take the machine's memory with it.
	hashing chan struct{}

	dummyOnce sync.Once
	dummy     string // a hash to verify against when the email is unknown
}

// Options tune a Service; the zero value is production.
type Options struct {
	Now    func() time.Time // for tests; time.Now by default
	Params Params           // DefaultParams when zero
}

// maxConcurrentHashes × 64 MiB is the most memory sign-ins can take at once.
const maxConcurrentHashes = 4

// NewService returns a Service over st.
func NewService(st Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Params == (Params{}) {
		o.Params = DefaultParams
	}
	return &Service{store: st, now: o.Now, params: o.Params, hashing: make(chan struct{}, maxConcurrentHashes)}
}

// CommandActor is the audit actor for logins made from the command line
// (`backstop staff add`, and `backstop dev`'s first login).
const CommandActor = "command line"

// minPasswordLen is the shortest password a person may choose.
const minPasswordLen = 12

// Add creates a staff login and records who made it. Errors: apperr
// Invalid for a malformed email, an unknown role or a short password;
// apperr Conflict when the email already has a login.
func (s *Service) Add(ctx context.Context, email string, role Role, password string) (User, error) {
	return s.add(ctx, CommandActor, email, role, password)
}

func (s *Service) add(ctx context.Context, actor, email string, role Role, password string) (User, error) {
	email, err := normalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if role != RoleSupport && role != RoleAdmin {
		return User{}, apperr.New(apperr.Invalid, fmt.Sprintf("role %q: use support or admin", role))
	}
	if n := len([]rune(password)); n < minPasswordLen || len(password) > maxPasswordLen {
		return User{}, apperr.New(apperr.Invalid, fmt.Sprintf("password: use %d to %d characters", minPasswordLen, maxPasswordLen))
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.CreateStaffUser(ctx, User{Email: email, Role: role, PasswordHash: hash},
		AuditEntry{Actor: actor, Action: "staff.created", Target: email, Details: map[string]string{"role": string(role)}})
	if apperr.Is(err, apperr.Conflict) {
		return User{}, apperr.Wrap(apperr.Conflict, fmt.Sprintf("%s already has a staff login", email), err)
	}
	return u, err
}

// Count returns how many staff logins exist, disabled ones included.
func (s *Service) Count(ctx context.Context) (int, error) { return s.store.CountStaffUsers(ctx) }

// ErrBadCredentials is the one answer to a failed sign-in, whatever failed.
var ErrBadCredentials = apperr.New(apperr.Unauthenticated, "Email or password is incorrect.")

// ActionLoginFailed is the audit action of a failed sign-in. Its actor is
// the email as typed (cut to maxAuditEmail bytes), never the password.
const ActionLoginFailed = "staff.login_failed"

// maxAuditEmail bounds the typed email an audit row keeps: RFC 5321's
// longest address.
const maxAuditEmail = 254

// Authenticate returns the active login with email and password, or
// ErrBadCredentials. An unknown email is verified against a dummy hash, so
// it costs what a wrong password costs. Every failure is audited with the
// email typed and c's address, so a guessing attempt shows in the log.
func (s *Service) Authenticate(ctx context.Context, email, password string, c Client) (User, error) {
	u, err := s.authenticate(ctx, email, password)
	if !errors.Is(err, ErrBadCredentials) {
		return u, err
	}
	actor := truncate(strings.TrimSpace(email), maxAuditEmail)
	if actor == "" {
		actor = "(no email typed)"
	}
	a := AuditEntry{Actor: actor, Action: ActionLoginFailed, Target: actor, Details: map[string]string{"ip": truncate(c.IP, 64)}}
	if aerr := s.store.AppendAudit(ctx, a); aerr != nil {
		return User{}, aerr
	}
	return User{}, err
}

func (s *Service) authenticate(ctx context.Context, email, password string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(password) > maxPasswordLen {
		return User{}, ErrBadCredentials
	}
	u, err := s.store.StaffUserByEmail(ctx, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return User{}, err
	}
	encoded := u.PasswordHash
	if err != nil {
		if encoded, err = s.dummyHash(); err != nil {
			return User{}, err
		}
	}
	ok, err := s.verify(ctx, password, encoded)
	if err != nil {
		return User{}, err
	}
	if !ok || u.ID == 0 || u.DisabledAt != nil {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

func (s *Service) dummyHash() (string, error) {
	var err error
	s.dummyOnce.Do(func() { s.dummy, err = Hash("no login has this password", s.params) })
	if err != nil {
		return "", err
	}
	if s.dummy == "" {
		return "", errors.New("dummy password hash unavailable")
	}
	return s.dummy, nil
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return Hash(password, s.params)
}

func (s *Service) verify(ctx context.Context, password, encoded string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	return Verify(password, encoded)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return apperr.Wrap(apperr.Unavailable, "Signing in is busy. Please try again in a minute.", ctx.Err())
	}
}

// normalizeEmail lowercases a bare address, or returns apperr Invalid.
func normalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return "", apperr.New(apperr.Invalid, fmt.Sprintf("email %q: use a plain address like ana@example.com", email))
	}
	return email, nil
}
