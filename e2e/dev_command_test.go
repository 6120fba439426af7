package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/devpg"
	"github.com/backstophq/backstop/internal/e2e"
)

// TestDevStartsStopsAndKeepsData runs `backstop dev` as a person does: it
// serves the demo plan, Ctrl-C stops it with PostgreSQL, and the next start
// on the same data dir, over a stale postmaster.pid, still knows the order
// paid in the first run. The first start prints the staff login's
// password; the second does not.
func TestDevStartsStopsAndKeepsData(t *testing.T) {
	t.Parallel()
	dataDir := devDataDir(t)

	first := startDev(t, dataDir)
	login := devLoginRE.FindStringSubmatch(first.waitOutput(t, "Press Ctrl-C to stop."))
	require.NotNil(t, login, "the first start prints the staff login with its password:\n%s", first.proc.Output())
	status, _ := first.get(t, "/readyz")
	assert.Equal(t, http.StatusOK, status, "/readyz")
	signInOverHTTP(t, first, "admin@backstop.localhost", login[1])
	status, page := first.get(t, "/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `data-testid="plan-name">Pro (yearly)<`)
	assert.Contains(t, page, `data-testid="plan-price">$249.00<`)
	ref := buyOverHTTP(t, first, "keep@example.com")
	checkDevGuards(t, first)

	pgPID := postmasterPID(t, dataDir)
	require.True(t, devpg.Alive(pgPID), "postgres runs while dev does")
	ws := first.stop(t)
	assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "dev exits 0 on SIGINT, got %v:\n%s", ws, first.proc.Output())
	assert.False(t, devpg.Alive(pgPID), "no postgres left after Ctrl-C")
	assert.Zero(t, postmasterPID(t, dataDir), "postgres removed its lock: it shut down cleanly")

	// A machine that crashed leaves postmaster.pid naming a dead process.
	stale := []byte(strconv.Itoa(deadPID(t)) + "\n" + filepath.Join(dataDir, "pg") + "\n")
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "pg", "postmaster.pid"), stale, 0o600))

	second := startDev(t, dataDir)
	banner := second.waitOutput(t, "Press Ctrl-C to stop.")
	assert.Contains(t, banner, "staff login: admin@backstop.localhost (password shown on first run)")
	assert.NotContains(t, banner, login[1], "the password is shown once")
	status, page = second.get(t, "/status/"+ref)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `data-stage="ready"`, "the order paid before the restart is still there")
	assert.Contains(t, page, "keep@example.com")
	_, page = second.get(t, "/status/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
	assert.NotContains(t, page, `data-stage="ready"`, "an unknown reference is not ready: the check above can fail")
	_, mailbox := second.get(t, "/dev/mailbox")
	assert.Contains(t, mailbox, ref, "the confirmation email is kept too")
	assert.Equal(t, 0, second.stop(t).ExitStatus())
}

// TestDevInAPrivateFolderAsRoot: as root in a folder the postgres user
// cannot enter (root's home, any mktemp -d), dev keeps its cluster under
// /var/lib/backstop, linked from the data dir; Ctrl-C leaves no server, the
// next start keeps the data, and the folder keeps its mode.
func TestDevInAPrivateFolderAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root runs PostgreSQL as another user")
	}
	t.Parallel()
	private, err := os.MkdirTemp("", "backstop-private-") // 0700, as mktemp -d makes it
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(private) })
	dataDir := filepath.Join(private, ".data")
	// Registered before startDev's cleanup, so it runs after PostgreSQL stopped.
	t.Cleanup(func() {
		if target, err := os.Readlink(filepath.Join(dataDir, "pg")); err == nil {
			os.RemoveAll(filepath.Dir(target))
		}
	})

	first := startDev(t, dataDir)
	login := devLoginRE.FindStringSubmatch(first.waitOutput(t, "Press Ctrl-C to stop."))
	require.NotNil(t, login, "the first start prints the staff password:\n%s", first.proc.Output())
	target, err := os.Readlink(filepath.Join(dataDir, "pg"))
	require.NoError(t, err, "the data dir links to its cluster")
	assert.True(t, strings.HasPrefix(target, "/var/lib/backstop/dev-"), target)
	for _, path := range []string{"/", "/healthz", "/readyz", "/console/login"} {
		status, _ := first.get(t, path)
		assert.Equal(t, http.StatusOK, status, path)
	}
	pgPID := postmasterPID(t, dataDir)
	require.True(t, devpg.Alive(pgPID))
	assert.Equal(t, 0, first.stop(t).ExitStatus())
	assert.False(t, devpg.Alive(pgPID), "no postgres left after Ctrl-C")

	second := startDev(t, dataDir)
	banner := second.waitOutput(t, "Press Ctrl-C to stop.")
	assert.Contains(t, banner, "(password shown on first run)", "the staff login made by the first run is still there")
	assert.NotContains(t, banner, login[1])
	assert.Equal(t, 0, second.stop(t).ExitStatus())
	fi, err := os.Stat(private)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "the private folder keeps its mode")
}

// TestDevRefusesAPortInUse: a taken port stops dev at once with a message
// that names it, before PostgreSQL starts, so nothing is left running.
func TestDevRefusesAPortInUse(t *testing.T) {
	t.Parallel()
	for _, which := range []string{"--addr", "--sim-addr"} {
		t.Run(which, func(t *testing.T) {
			t.Parallel()
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer taken.Close()
			dataDir := devDataDir(t)
			args := map[string]string{"--addr": e2e.FreeAddr(t), "--sim-addr": e2e.FreeAddr(t)}
			args[which] = taken.Addr().String()

			p := e2e.Start(t, e2e.Binary(t), []string{"dev", "--addr", args["--addr"],
				"--sim-addr", args["--sim-addr"], "--data-dir", dataDir}, nil)
			ws, err := p.WaitExit(15 * time.Second)
			require.NoError(t, err, "dev should give up on a taken port:\n%s", p.Output())
			t.Cleanup(func() { killLeftPostgres(t, dataDir) })

			assert.NotEqual(t, 0, ws.ExitStatus())
			assert.Contains(t, p.Output(), "address "+taken.Addr().String()+" is already in use")
			assert.Zero(t, postmasterPID(t, dataDir), "postgres never started")
		})
	}
}

// checkDevGuards checks, on a running dev, what keeps other local accounts
// and web pages out: the app and the simulator answer only this machine's
// names (DNS rebinding), the control API refuses a text/plain post, and
// the database URL it prints names a socket, which the commands accept.
func checkDevGuards(t *testing.T, d *devRun) {
	t.Helper()
	send := func(method, host, u, contentType, body string) (int, string) {
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		require.NoError(t, err)
		req.Host = host
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	sim := "http://" + d.simAddr
	status, body := send(http.MethodGet, "evil.example", d.url("/dev/mailbox"), "", "")
	assert.Equal(t, http.StatusMisdirectedRequest, status, "the mailbox under another Host name: %s", body)
	assert.NotContains(t, body, "@example.com")
	status, _ = send(http.MethodGet, "evil.example:80", sim+"/_sim/stats", "", "")
	assert.Equal(t, http.StatusMisdirectedRequest, status, "the simulator under another Host name")
	status, body = send(http.MethodPost, d.simAddr, sim+"/_sim/payments", "text/plain", `{"email":"x@example.com","amount":100}`)
	assert.Equal(t, http.StatusUnsupportedMediaType, status, "a text/plain post to the control API: %s", body)

	dbURL := devDatabaseRE.FindStringSubmatch(d.proc.Output())
	require.NotNil(t, dbURL, "the banner names the database:\n%s", d.proc.Output())
	assert.NotContains(t, dbURL[1], "127.0.0.1", "no TCP")
	list := e2e.Start(t, e2e.Binary(t), []string{"plans", "list", "--json"}, []string{"DATABASE_URL=" + dbURL[1]})
	ws, err := list.WaitExit(30 * time.Second)
	require.NoError(t, err)
	require.Equal(t, 0, ws.ExitStatus(), list.Output())
	assert.Contains(t, list.Output(), "pro-yearly")
}

var (
	devDatabaseRE = regexp.MustCompile(`database:  (postgres://postgres@/backstop\?host=/\S+)`)
	devLoginRE    = regexp.MustCompile(`staff login: admin@backstop\.localhost / ([2-9a-km-np-zA-HJ-NP-Z]{20}) \(shown once; add more with backstop staff add\)`)
	formTokenRE   = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	statusRefRE   = regexp.MustCompile(`data-testid="status-ref">([^<]+)<`)
)

// buyOverHTTP buys the demo plan as a browser without JavaScript would:
// the pricing form, the simulator's pay button (its control API), then the
// return page. It returns the order's public reference.
func buyOverHTTP(t *testing.T, d *devRun, email string) string {
	t.Helper()
	_, page := d.get(t, "/")
	token := formTokenRE.FindStringSubmatch(page)
	require.NotNil(t, token, "pricing page has a form token")
	noRedirect := &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(d.url("/checkout"), url.Values{"email": {email}, "plan": {"pro-yearly"}, "form_token": {token[1]}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	payURL, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, d.simAddr, payURL.Host, "checkout sends the customer to the simulator's page")

	body, _ := json.Marshal(map[string]string{"card": "4242424242424242"})
	req, _ := http.NewRequest(http.MethodPost, "http://"+d.simAddr+"/_sim/checkout/"+filepath.Base(payURL.Path)+"/pay", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+devAPIKey(t, d.dataDir))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var paid struct{ Redirect string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&paid))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	status, page := httpGet(t, paid.Redirect)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, page, `data-stage="ready"`, "the return page fulfils the paid order")
	ref := statusRefRE.FindStringSubmatch(page)
	require.NotNil(t, ref)
	return ref[1]
}

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signInOverHTTP signs in to the console as a browser without JavaScript
// does, and checks the console knows who is signed in.
func signInOverHTTP(t *testing.T, d *devRun, email, password string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Timeout: 15 * time.Second, Jar: jar}
	resp, err := c.Get(d.url("/console/login"))
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := csrfFieldRE.FindSubmatch(page)
	require.NotNil(t, token, "the sign-in form carries a CSRF token")
	resp, err = c.PostForm(d.url("/console/login"), url.Values{"email": {email}, "password": {password}, "csrf_token": {string(token[1])}})
	require.NoError(t, err)
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "signed in and sent on to /console/")
	assert.Contains(t, string(page), `data-testid="console-signed-in">`+email+` <span class="role-badge">admin</span>`)
}
