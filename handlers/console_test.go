package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConsoleLoginPage(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	res, cookies := b.send(t, httptestGet("/console/login"))

	require.Equal(t, http.StatusOK, res.status)
	page := doc(t, res.body)
	assert.Equal(t, "password", attr(one(t, page, "console-password"), "type"))
	assert.False(t, hasAttr(one(t, page, "console-submit"), "disabled"), "sign-in is open")
	assert.Empty(t, byTestID(page, "console-error"))
	csrf := cookieNamed(cookies, csrfCookie)
	require.NotNil(t, csrf)
	assert.Equal(t, csrf.Value, hiddenValue(t, one(t, page, "console-login-form"), csrfField), "double submit: field = cookie")
	assert.Len(t, csrf.Value, 43, "256 bits")
	assert.True(t, csrf.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, csrf.SameSite)
	assert.Equal(t, "/console", csrf.Path)
	assert.Equal(t, "same-origin", res.header.Get("Referrer-Policy"))
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
}

func TestConsoleWrongCredentialsSayOneThing(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	var bodies []string
	for _, email := range []string{"ana@example.com", "nobody@example.com"} {
		res, cookies := b.signIn(t, email, "wrong password")
		require.Equal(t, http.StatusUnprocessableEntity, res.status)
		page := doc(t, res.body)
		assert.Equal(t, "Email or password is incorrect.", text(one(t, page, "console-error")))
		assert.Equal(t, email, attr(one(t, page, "console-email"), "value"), "the email is kept")
		assert.Empty(t, attr(one(t, page, "console-password"), "value"), "the password is not")
		assert.Nil(t, cookieNamed(cookies, sessionCookie))
		bodies = append(bodies, strings.ReplaceAll(res.body, email, "EMAIL"))
	}
	assert.Equal(t, bodies[0], bodies[1], "an unknown email and a wrong password give the same page")
}

func TestConsoleSignInSetsTheSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		baseURL string
		secure  bool
	}{{"http://127.0.0.1:8080", false}, {"https://pay.example.com", true}} {
		t.Run(tc.baseURL, func(t *testing.T) {
			t.Parallel()
			b := newConsoleClient(t, func(d *Deps) { d.BaseURL = tc.baseURL })
			b.get(t, "/console/login")
			before := b.token

			res, cookies := b.signIn(t, "Ana@Example.com", anaPassword)

			require.Equal(t, http.StatusSeeOther, res.status, res.body)
			assert.Equal(t, "/console/", res.header.Get("Location"))
			sc := cookieNamed(cookies, sessionCookie)
			require.NotNil(t, sc)
			assert.True(t, sc.HttpOnly)
			assert.Equal(t, http.SameSiteLaxMode, sc.SameSite)
			assert.Equal(t, "/console", sc.Path)
			assert.Equal(t, 12*60*60, sc.MaxAge)
			assert.Equal(t, tc.secure, sc.Secure)
			csrf := cookieNamed(cookies, csrfCookie)
			require.NotNil(t, csrf, "sign-in rotates the CSRF token")
			assert.NotEqual(t, before, csrf.Value)
			assert.Equal(t, tc.secure, csrf.Secure)
		})
	}
}

func TestConsoleSignInOverHTMXRedirectsWithAHeader(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	res, _ := b.signIn(t, "ana@example.com", anaPassword, hxRequest...)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Equal(t, "/console/", res.header.Get("HX-Redirect"))
}

func TestConsoleHomeNeedsASession(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	res := b.get(t, "/console/")
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/console/login", res.header.Get("Location"))

	b.signIn(t, "ana@example.com", anaPassword)
	res = b.get(t, "/console/")
	require.Equal(t, http.StatusOK, res.status)
	page := doc(t, res.body)
	assert.Equal(t, "ana@example.com admin", text(one(t, page, "console-signed-in")))
	one(t, page, "dash-open")
	assert.Equal(t, b.cookies[csrfCookie].Value, hiddenValue(t, one(t, page, "console-logout-form"), csrfField))

	res = b.get(t, "/console/login")
	assert.Equal(t, http.StatusSeeOther, res.status, "signed in, the login page sends you on")
	assert.Equal(t, "/console/", res.header.Get("Location"))
}

func TestConsoleSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	b.signIn(t, "ana@example.com", anaPassword)
	token := b.cookies[sessionCookie].Value
	b.get(t, "/console/")

	res, cookies := b.post(t, "/console/logout", url.Values{})

	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Equal(t, "/console/login", res.header.Get("Location"))
	cleared := cookieNamed(cookies, sessionCookie)
	require.NotNil(t, cleared)
	assert.Empty(t, cleared.Value)
	assert.Equal(t, "/console", cleared.Path)
	assert.Empty(t, b.staff.sessions, "the session ended on the server, not only in the browser")

	b.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: token}
	res = b.get(t, "/console/")
	assert.Equal(t, http.StatusSeeOther, res.status, "the old cookie no longer signs in")
}

func TestConsoleRefusesChangesWithoutTheCSRFToken(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t, func(d *Deps) { d.BaseURL = "https://pay.example.com" })
	b.get(t, "/console/login")
	good := url.Values{"email": {"ana@example.com"}, "password": {anaPassword}}
	for name, tc := range map[string]struct {
		token   string
		drop    bool // no CSRF cookie at all
		headers []string
	}{
		"missing token":  {token: ""},
		"another token":  {token: strings.Repeat("A", 43)},
		"no cookie":      {token: b.token, drop: true},
		"foreign origin": {token: b.token, headers: []string{"Origin", "https://evil.example"}},
	} {
		form := url.Values{csrfField: {tc.token}}
		for k, v := range good {
			form[k] = v
		}
		saved := b.cookies[csrfCookie]
		if tc.drop {
			delete(b.cookies, csrfCookie)
		}
		res, cookies := b.post(t, "/console/login", form, tc.headers...)
		assert.Equal(t, http.StatusForbidden, res.status, name)
		assert.Nil(t, cookieNamed(cookies, sessionCookie), name)
		assert.Contains(t, res.body, "did not come from this site", name)
		b.cookies[csrfCookie] = saved
	}
	res, _ := b.signIn(t, "ana@example.com", anaPassword, "Origin", "https://pay.example.com")
	require.Equal(t, http.StatusSeeOther, res.status, "our own origin and token sign in")

	res, _ = b.post(t, "/console/logout", url.Values{csrfField: {""}})
	assert.Equal(t, http.StatusForbidden, res.status, "sign-out needs the token too")
	assert.Len(t, b.staff.sessions, 1, "and the session is still there")
}

func TestConsoleSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	for i := range loginAttempts {
		res, _ := b.signIn(t, "ana@example.com", "guess")
		require.Equal(t, http.StatusUnprocessableEntity, res.status, "attempt %d", i+1)
	}
	res, cookies := b.signIn(t, "ANA@example.com", anaPassword)
	require.Equal(t, http.StatusTooManyRequests, res.status, "even the right password waits")
	assert.Nil(t, cookieNamed(cookies, sessionCookie))
	page := doc(t, res.body)
	assert.Contains(t, text(one(t, page, "console-notice")), "Please wait ten minutes")
	assert.NotEmpty(t, res.header.Get("Retry-After"))

	res, _ = b.signIn(t, "bo@example.com", "guess")
	assert.Equal(t, http.StatusUnprocessableEntity, res.status, "another email is counted apart")
}
