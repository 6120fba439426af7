package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMalformedInputGetsWordsNotA500: a NUL byte or broken UTF-8 anywhere a
// request carries text is refused before a handler (or PostgreSQL) sees
// it: 422 with the field's name for a form, 400 for a path or query.
func TestMalformedInputGetsWordsNotA500(t *testing.T) {
	t.Parallel()
	multipartBody, multipartType := multipartForm(t, "email", "ana\x00@example.com")
	for name, tc := range map[string]struct {
		method, target, ctype, body string
		headers                     []string
		status                      int
		says                        string
	}{
		"NUL in a form field": {method: "POST", target: "/console/login", ctype: formType,
			body: "email=ana%00%40example.com&password=x", status: 422, says: "the field “email”"},
		"broken UTF-8 in a form field": {method: "POST", target: "/console/login", ctype: formType,
			body: "email=%FF%FE&password=x", status: 422, says: "the field “email”"},
		"NUL in a field's name": {method: "POST", target: "/console/login", ctype: formType + "; charset=utf-8",
			body: "em%00ail=x", status: 422, says: "the form:"},
		"NUL in a multipart field": {method: "POST", target: "/console/login", ctype: multipartType,
			body: multipartBody, status: 422, says: "the field “email”"},
		"over htmx": {method: "POST", target: "/console/login", ctype: formType, headers: hxRequest,
			body: "email=%00&password=x", status: 422, says: "the field “email”"},
		"broken UTF-8 in the path": {method: "GET", target: "/status/%FF%FE", status: 400, says: "the address of this page"},
		"NUL in the path":          {method: "GET", target: "/console/mismatches/%00", status: 400, says: "the address of this page"},
		"NUL in a query":           {method: "GET", target: "/?plan=%00", status: 400, says: "the “plan” part of the link"},
		"on an unknown route":      {method: "POST", target: "/nowhere", ctype: formType, body: "q=%FF", status: 422, says: "the field “q”"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := newConsoleClient(t)
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			res, _ := b.send(t, req)
			require.Equal(t, tc.status, res.status, res.body)
			msg := text(one(t, doc(t, res.body), "error-message"))
			assert.Contains(t, msg, "We cannot accept "+tc.says)
			assert.Contains(t, msg, "Please retype it and try again.")
			assert.Empty(t, b.ta.errors.all(), "anyone can send these: no error report is stored")
			assert.Empty(t, b.staff.sessions)
			if len(tc.headers) > 0 {
				assert.Equal(t, "#main", res.header.Get("HX-Retarget"), "htmx gets the partial in <main>")
			}
		})
	}
}

// TestCleanInputPasses: text outside ASCII is text; the sign-in form
// answers for itself (wrong credentials), not the refusal.
func TestCleanInputPasses(t *testing.T) {
	t.Parallel()
	b := newConsoleClient(t)
	res, _ := b.signIn(t, "josé@exämple.com", "pässwörd ✓")
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	assert.Contains(t, res.body, "Email or password is incorrect.")
	assert.NotContains(t, res.body, "We cannot accept")
	res, _ = b.signIn(t, "ana@example.com", anaPassword)
	assert.Equal(t, http.StatusSeeOther, res.status)
}

func TestHSTSOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	https := setup(t, func(d *Deps) { d.BaseURL = "https://pay.example.com" })
	for _, path := range []string{"/", "/nowhere", "/healthz"} {
		assert.Equal(t, "max-age=31536000; includeSubDomains", https.get(t, path).header.Get("Strict-Transport-Security"), path)
	}
	plain := setup(t)
	assert.Empty(t, plain.get(t, "/").header.Get("Strict-Transport-Security"), "dev over http sends none")
}

// TestRequestIDsAreOurs: the id in logs and error reports is random and
// never the one the client sent.
func TestRequestIDsAreOurs(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	seen := map[string]bool{}
	for range 3 {
		res := ta.get(t, "/", "X-Request-ID", "attacker-chosen")
		id := res.header.Get("X-Request-ID")
		assert.Regexp(t, `^[0-9a-f]{32}$`, id)
		seen[id] = true
	}
	assert.Len(t, seen, 3)

	ta.plans.err = errSecret
	res := ta.get(t, "/", "X-Request-ID", "attacker-chosen")
	require.Equal(t, http.StatusInternalServerError, res.status)
	reports := ta.errors.all()
	require.Len(t, reports, 1)
	assert.Equal(t, res.header.Get("X-Request-ID"), reports[0].RequestID, "the report carries our id")
}

const formType = "application/x-www-form-urlencoded"

func multipartForm(t *testing.T, fields ...string) (body, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		require.NoError(t, w.WriteField(fields[i], fields[i+1]))
	}
	require.NoError(t, w.Close())
	return buf.String(), w.FormDataContentType()
}
