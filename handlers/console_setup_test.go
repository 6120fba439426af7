package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/staff"
)

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// fakeStaff is two logins, ana@example.com (admin) and bo@example.com
// (support), both with anaPassword, with sessions in memory. It counts the
// session checks that kept a session alive and those that only peeked.
type fakeStaff struct {
	mu       sync.Mutex
	sessions map[string]staff.User
	n        int
	used     int
	peeked   int
}

var (
	ana = staff.User{ID: 1, Email: "ana@example.com", Role: staff.RoleAdmin}
	bo  = staff.User{ID: 2, Email: "bo@example.com", Role: staff.RoleSupport}
)

const anaPassword = "right password"

func (f *fakeStaff) Authenticate(ctx context.Context, email, password string, c staff.Client) (staff.User, error) {
	for _, u := range []staff.User{ana, bo} {
		if strings.EqualFold(email, u.Email) && password == anaPassword {
			return u, nil
		}
	}
	return staff.User{}, staff.ErrBadCredentials
}

func (f *fakeStaff) StartSession(ctx context.Context, u staff.User, c staff.Client) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	token := strings.Repeat("t", 40) + strconv.Itoa(f.n) // one per sign-in, however many a test makes
	f.sessions[token] = u
	return token, nil
}

func (f *fakeStaff) SessionFor(ctx context.Context, token string) (staff.User, error) {
	f.mu.Lock()
	f.used++
	f.mu.Unlock()
	return f.session(token)
}

func (f *fakeStaff) PeekSession(ctx context.Context, token string) (staff.User, error) {
	f.mu.Lock()
	f.peeked++
	f.mu.Unlock()
	return f.session(token)
}

func (f *fakeStaff) session(token string) (staff.User, error) {
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
	ta        *testApp
	staff     *fakeStaff
	core      *fakeCore
	actions   *fakeActions
	templates *fakeTemplates
	cookies   map[string]*http.Cookie
	token     string
}

func newConsoleClient(t *testing.T, opts ...func(*Deps)) *consoleClient {
	t.Helper()
	f := &fakeStaff{sessions: map[string]staff.User{}}
	core, actions, tpl := &fakeCore{}, &fakeActions{}, newFakeTemplates()
	ta := setup(t, append([]func(*Deps){func(d *Deps) { d.Staff, d.StaffAdmin, d.Console, d.Resolve, d.Templates = f, f, core, actions, tpl }}, opts...)...)
	return &consoleClient{ta: ta, staff: f, core: core, actions: actions, templates: tpl, cookies: map[string]*http.Cookie{}}
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

// fakeCore is the console's core with canned answers: what a page shows is
// the views' business, tested with the real store in internal/cli.
type fakeCore struct {
	mu        sync.Mutex
	alerts    []console.Alert
	dashboard console.Dashboard
	queue     console.QueuePage
	filters   []console.QueueFilter // every filter Queue was asked
	open      int
	cases     map[int64]console.CaseFile
}

func (f *fakeCore) Alerts(ctx context.Context) []console.Alert { return f.alerts }

func (f *fakeCore) LastOutage(ctx context.Context) (recon.Outage, bool, error) {
	return recon.Outage{}, false, nil
}

func (f *fakeCore) Dashboard(ctx context.Context) (console.Dashboard, error) { return f.dashboard, nil }

func (f *fakeCore) Queue(ctx context.Context, q console.QueueFilter, me string) (console.QueuePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, q)
	p := f.queue
	p.Filter, p.Me = q, me
	return p, nil
}

func (f *fakeCore) OpenCount(ctx context.Context) (int, error) { return f.open, nil }

func (f *fakeCore) Mismatch(ctx context.Context, id int64) (console.CaseFile, error) {
	if c, ok := f.cases[id]; ok {
		return c, nil
	}
	return console.CaseFile{}, apperr.New(apperr.NotFound, "There is no such mismatch.")
}

// fakeActions is resolve with one canned answer: it records each request
// (a resolve.Request, or the action's own request type) and returns
// result, or err when set.
type fakeActions struct {
	mu     sync.Mutex
	calls  []any
	result resolve.Result
	err    error
}

func (f *fakeActions) record(req any) (resolve.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, req)
	if f.err != nil {
		return resolve.Result{}, f.err
	}
	return f.result, nil
}

func (f *fakeActions) VerifyAndProvision(ctx context.Context, req resolve.Request) (resolve.Result, error) {
	return f.record(req)
}

func (f *fakeActions) Refund(ctx context.Context, req resolve.RefundRequest) (resolve.Result, error) {
	return f.record(req)
}

func (f *fakeActions) LinkAccount(ctx context.Context, req resolve.LinkRequest) (resolve.Result, error) {
	return f.record(req)
}

func (f *fakeActions) Dismiss(ctx context.Context, req resolve.DismissRequest) (resolve.Result, error) {
	return f.record(req)
}

func (f *fakeActions) Claim(ctx context.Context, req resolve.ClaimRequest) (resolve.Result, error) {
	return f.record(req)
}

func (f *fakeActions) Note(ctx context.Context, req resolve.NoteRequest) (resolve.Result, error) {
	return f.record(req)
}
