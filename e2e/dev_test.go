package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/devpg"
	"github.com/backstophq/backstop/internal/e2e"
)

// devStartTimeout bounds a `backstop dev` start: initdb and migrations on
// the first one, a few seconds on a warm machine.
const devStartTimeout = 60 * time.Second

// devRun is one `backstop dev` process, the real binary on free ports.
type devRun struct {
	proc    *e2e.Proc
	addr    string
	simAddr string
	dataDir string
}

// devDataDir is a fresh data dir that the postgres user can reach when the
// tests run as root (t.TempDir is private to root).
func devDataDir(t *testing.T) string {
	t.Helper()
	base, err := devpg.TempDir("backstop-dev-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	return filepath.Join(base, "data")
}

// startDev starts `backstop dev` over dataDir and waits for /healthz. When
// the test ends it is stopped with SIGINT, and a PostgreSQL it left behind
// (the test failed midway) is stopped too, so no test leaves a server.
func startDev(t *testing.T, dataDir string) *devRun {
	t.Helper()
	d := &devRun{addr: e2e.FreeAddr(t), simAddr: e2e.FreeAddr(t), dataDir: dataDir}
	d.proc = e2e.Start(t, e2e.Binary(t), []string{"dev", "--addr", d.addr, "--sim-addr", d.simAddr, "--data-dir", dataDir}, nil)
	t.Cleanup(func() {
		select {
		case <-d.proc.Exited():
		default:
			_ = d.proc.Signal(syscall.SIGINT)
			_, _ = d.proc.WaitExit(20 * time.Second)
		}
		killLeftPostgres(t, dataDir)
	})
	d.proc.WaitHTTP(t, d.url("/healthz"), devStartTimeout)
	return d
}

func (d *devRun) url(path string) string { return "http://" + d.addr + path }

// waitOutput waits a few seconds for want in the output (the banner is
// printed just before the server starts) and returns the output so far.
func (d *devRun) waitOutput(t *testing.T, want string) string {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out := d.proc.Output()
		if strings.Contains(out, want) || time.Now().After(deadline) {
			return out
		}
	}
}

// stop sends SIGINT, as Ctrl-C does, and returns the exit status.
func (d *devRun) stop(t *testing.T) syscall.WaitStatus {
	t.Helper()
	require.NoError(t, d.proc.Signal(syscall.SIGINT))
	ws, err := d.proc.WaitExit(15 * time.Second)
	require.NoError(t, err, "backstop dev did not exit within 15s of SIGINT:\n%s", d.proc.Output())
	return ws
}

// get fetches path and returns the status and body.
func (d *devRun) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return httpGet(t, d.url(path))
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 15 * time.Second}
	resp, err := c.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// postmasterPID is the pid in dataDir/pg/postmaster.pid, 0 without one.
func postmasterPID(t *testing.T, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "pg", "postmaster.pid"))
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	require.NoError(t, err, "postmaster.pid: %q", b)
	return pid
}

// killLeftPostgres stops a postmaster still running on dataDir (immediate
// shutdown) and waits for it, reporting it as a failure: a test that gets
// here left PostgreSQL behind.
func killLeftPostgres(t *testing.T, dataDir string) {
	pid := postmasterPID(t, dataDir)
	if pid <= 0 || !devpg.Alive(pid) {
		return
	}
	t.Errorf("PostgreSQL (pid %d) was still running on %s; stopping it", pid, dataDir)
	_ = syscall.Kill(pid, syscall.SIGQUIT)
	for deadline := time.Now().Add(10 * time.Second); devpg.Alive(pid) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
}

// devAPIKey is the simulator key dev generated in its data dir.
func devAPIKey(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "dev.json"))
	require.NoError(t, err)
	var s struct {
		APIKey string `json:"api_key"`
	}
	require.NoError(t, json.Unmarshal(b, &s))
	return s.APIKey
}

// deadPID returns the pid of a process that has exited: a stale lock's pid.
func deadPID(t *testing.T) int {
	t.Helper()
	p := e2e.Start(t, "/bin/true", nil, nil)
	_, err := p.WaitExit(10 * time.Second)
	require.NoError(t, err)
	require.False(t, devpg.Alive(p.PID()))
	return p.PID()
}
