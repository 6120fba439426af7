package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/e2e"
)

// world is Backstop as it runs in production, for one test: the real binary
// (serve), the simulator and Mailpit as separate processes, and a private
// database the test can read.
type world struct {
	t       *testing.T
	bin     string
	dbURL   string
	db      *sqlx.DB
	appAddr string
	simAddr string
	apiKey  string
	secret  string
	mail    *e2e.Mailpit
	sim     *e2e.Proc
	app     *e2e.Proc
	// extraEnv is added to every process's environment (e.g. shorter intervals).
	extraEnv []string
	// noRedirect is an HTTP client that shows redirects instead of following.
	noRedirect *http.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, worldOptions{})
}

// worldOptions change how a world is set up.
type worldOptions struct {
	// memorySim keeps the simulator's state in memory only. Its state file
	// is rewritten whole after every change, which long runs (thousands of
	// payments) cannot afford; a world whose simulator never restarts
	// does not need it.
	memorySim bool
	// dbURL is the database to use instead of a fresh one on the shared
	// test server (see dbtest.Dedicated).
	dbURL string
}

func newWorldWith(t *testing.T, opts worldOptions) *world {
	t.Helper()
	if opts.dbURL == "" {
		opts.dbURL = dbtest.URL(t)
	}
	w := &world{
		t: t, bin: e2e.Binary(t), dbURL: opts.dbURL,
		appAddr: e2e.FreeAddr(t), simAddr: e2e.FreeAddr(t),
		apiKey: "sk_test_e2e", secret: "whsec_e2e_" + randHex(8),
		mail: e2e.StartMailpit(t),
		noRedirect: &http.Client{
			Timeout:       15 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	db, err := sqlx.Open("postgres", w.dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	w.db = db
	w.backstop("migrate", "up")
	w.backstop("plans", "add", "--code", "pro-yearly", "--name", "Pro (yearly)", "--amount", "24900", "--currency", "usd", "--interval", "year")
	args := []string{"sim", "--addr", w.simAddr, "--api-key", w.apiKey,
		"--webhook-url", w.appURL("/webhooks/stripe"), "--webhook-secret", w.secret}
	if !opts.memorySim {
		args = append(args, "--state", filepath.Join(t.TempDir(), "sim.json"))
	}
	w.sim = e2e.Start(t, w.bin, args, nil)
	w.sim.WaitHTTP(t, w.simURL("/_sim/stats"), 10*time.Second)
	return w
}

func (w *world) env(faults string) []string {
	return append([]string{
		"DATABASE_URL=" + w.dbURL, "STRIPE_SECRET_KEY=" + w.apiKey, "STRIPE_WEBHOOK_SECRET=" + w.secret,
		"STRIPE_API_BASE=" + w.simURL(""), "BASE_URL=" + w.appURL(""), "LISTEN_ADDR=" + w.appAddr,
		"SUPPORT_EMAIL=support@shop.test", "MAIL_FROM=shop@shop.test", "SMTP_URL=smtp://" + w.mail.SMTPAddr,
		"BACKSTOP_FAULTS=" + faults,
	}, w.extraEnv...)
}

// backstop runs a one-shot subcommand of the real binary and returns stdout.
// A reconcile or incident plan that meets the running app's own sweep
// (serve sweeps when it starts) waits for it and tries again, as an
// operator would.
func (w *world) backstop(args ...string) string {
	w.t.Helper()
	for attempt := 0; ; attempt++ {
		p := e2e.Start(w.t, w.bin, args, w.env(""))
		ws, err := p.WaitExit(30 * time.Second)
		require.NoError(w.t, err, "backstop %v", args)
		busy := strings.Contains(p.Output(), "another sweep is running") ||
			strings.Contains(p.Output(), "a reconciliation sweep is reading the processor right now")
		if ws.ExitStatus() != 0 && busy && attempt < 40 {
			time.Sleep(250 * time.Millisecond)
			continue
		}
		require.Equal(w.t, 0, ws.ExitStatus(), "backstop %v:\n%s", args, p.Output())
		return p.Output()
	}
}

// startApp starts `backstop serve` with the given fault points armed.
func (w *world) startApp(faults string) *e2e.Proc {
	w.t.Helper()
	w.app = e2e.Start(w.t, w.bin, []string{"serve"}, w.env(faults))
	w.app.WaitHTTP(w.t, w.appURL("/healthz"), 20*time.Second)
	return w.app
}

func (w *world) appURL(path string) string { return "http://" + w.appAddr + path }
func (w *world) simURL(path string) string { return "http://" + w.simAddr + path }

// checkout posts the pricing form as a browser would and returns the
// session id from the payment page it is sent to ("" if the app died).
func (w *world) checkout(email, token string) string {
	w.t.Helper()
	form := url.Values{"email": {email}, "plan": {"pro-yearly"}, "form_token": {token}}
	resp, err := w.noRedirect.PostForm(w.appURL("/checkout"), form)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	require.Equal(w.t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.Contains(w.t, loc, "/pay/cs_")
	return loc[strings.LastIndex(loc, "/")+1:]
}

// pay pays a session through the simulator's control API, as the hosted
// page's button does, and returns the app's return URL.
func (w *world) pay(sessionID string) string {
	w.t.Helper()
	var out struct {
		Redirect string `json:"redirect"`
	}
	w.simJSON(http.MethodPost, "/_sim/checkout/"+sessionID+"/pay", map[string]string{"card": "4242424242424242"}, &out)
	require.Contains(w.t, out.Redirect, "/checkout/return?session_id="+sessionID)
	return out.Redirect
}

func (w *world) simJSON(method, path string, body, out any) {
	w.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.simURL(path), r)
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+w.apiKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Less(w.t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
	if out != nil {
		require.NoError(w.t, json.Unmarshal(b, out), string(b))
	}
}

// simList lists a resource of the simulator (up to 100, newest first).
func (w *world) simList(resource string) []map[string]any {
	var page struct {
		Data []map[string]any `json:"data"`
	}
	w.simJSON(http.MethodGet, "/v1/"+resource+"?limit=100", nil, &page)
	return page.Data
}

// retryWebhooks asks the simulator to attempt every pending delivery now,
// instead of waiting for its backoff.
func (w *world) retryWebhooks() { w.simJSON(http.MethodPost, "/_sim/webhooks/retry", nil, nil) }

func (w *world) simFaults(webhooks string) {
	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"webhooks": webhooks}, nil)
}

// eventually polls cond every 200ms until it holds or d passes.
func (w *world) eventually(d time.Duration, what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("not within %s: %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	require.NoError(w.t, w.db.Get(&n, q, args...))
	return n
}

// logRows logs every row q returns, for a failure's diagnosis.
func (w *world) logRows(q string) {
	w.t.Helper()
	rows, err := w.db.Queryx(q)
	if err != nil {
		w.t.Logf("%s: %v", q, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		row := map[string]any{}
		if err := rows.MapScan(row); err != nil {
			w.t.Logf("scan: %v", err)
			return
		}
		w.t.Logf("%v", row)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func formToken() string { return fmt.Sprintf("tok%s", randHex(12)) }
