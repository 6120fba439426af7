package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/staff"
)

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// fakeStaff is one login, ana@example.com / right password, with sessions
// in memory.
type fakeStaff struct {
	mu       sync.Mutex
	sessions map[string]staff.User
	n        int
}

var ana = staff.User{ID: 1, Email: "ana@example.com", Role: staff.RoleAdmin}

const anaPassword = "right password"

func (f *fakeStaff) Authenticate(ctx context.Context, email, password string, c staff.Client) (staff.User, error) {
	if strings.EqualFold(email, ana.Email) && password == anaPassword {
		return ana, nil
	}
	return staff.User{}, staff.ErrBadCredentials
}

func (f *fakeStaff) StartSession(ctx context.Context, u staff.User, c staff.Client) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	token := strings.Repeat("t", 40) + string(rune('a'+f.n))
	f.sessions[token] = u
	return token, nil
}

func (f *fakeStaff) SessionFor(ctx context.Context, token string) (staff.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.sessions[token]
	if !ok {
		return staff.User{}, staff.ErrNoSession
	}
	return u, nil
}

func (f *fakeStaff) EndSession(ctx context.Context, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, token)
	return nil
}

// consoleClient is one client of the console: its cookies and the CSRF token
// from the last page it loaded.
type consoleClient struct {
	ta      *testApp
	staff   *fakeStaff
	cookies map[string]*http.Cookie
	token   string
}

func newConsoleClient(t *testing.T, opts ...func(*Deps)) *consoleClient {
	t.Helper()
	f := &fakeStaff{sessions: map[string]staff.User{}}
	ta := setup(t, append([]func(*Deps){func(d *Deps) { d.Staff = f }}, opts...)...)
	return &consoleClient{ta: ta, staff: f, cookies: map[string]*http.Cookie{}}
}

// send makes a request with the consoleClient's cookies, keeps the cookies it
// sets, and reads the CSRF token off the page.
func (b *consoleClient) send(t *testing.T, req *http.Request) (response, []*http.Cookie) {
	t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := b.ta.app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := csrfFieldRE.FindStringSubmatch(string(body)); m != nil {
		b.token = m[1]
	}
	return response{status: res.StatusCode, header: res.Header, body: string(body)}, res.Cookies()
}

func (b *consoleClient) get(t *testing.T, target string) response {
	t.Helper()
	r, _ := b.send(t, httptest.NewRequest(http.MethodGet, target, nil))
	return r
}

// post sends form with the consoleClient's token unless form sets csrf_token.
func (b *consoleClient) post(t *testing.T, target string, form url.Values, headers ...string) (response, []*http.Cookie) {
	t.Helper()
	if _, ok := form[csrfField]; !ok {
		form.Set(csrfField, b.token)
	}
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.send(t, req)
}

func (b *consoleClient) signIn(t *testing.T, email, password string, headers ...string) (response, []*http.Cookie) {
	t.Helper()
	if b.token == "" {
		b.get(t, "/console/login")
	}
	return b.post(t, "/console/login", url.Values{"email": {email}, "password": {password}}, headers...)
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func httptestGet(target string) *http.Request {
	return httptest.NewRequest(http.MethodGet, target, nil)
}
