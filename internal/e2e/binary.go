package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The binary is built once per test process: every test that starts it
// shares the build, which takes seconds.
var build struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// Binary builds the backstop command and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			build.err = err
			return
		}
		dir, err := os.MkdirTemp("", "backstop-e2e-bin-")
		if err != nil {
			build.err = err
			return
		}
		build.path = filepath.Join(dir, "backstop")
		cmd := exec.Command("go", "build", "-o", build.path, ".")
		cmd.Dir = root
		build.out, build.err = cmd.CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("build backstop: %v\n%s", build.err, build.out)
	}
	return build.path
}

// ModuleRoot is the directory holding go.mod, found from the working dir.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// handedOut remembers every address FreeAddr returned in this process: the
// kernel may hand a just-closed port to the next listen, and two processes
// of one test (the app and Mailpit, say) must not be given the same one.
var handedOut struct {
	sync.Mutex
	addrs map[string]bool
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago and that no other caller in this process has been given.
func FreeAddr(t testing.TB) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	if handedOut.addrs == nil {
		handedOut.addrs = map[string]bool{}
	}
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		addr := l.Addr().String()
		l.Close()
		if !handedOut.addrs[addr] {
			handedOut.addrs[addr] = true
			return addr
		}
	}
	t.Fatal("free port: no new port in 100 tries")
	return ""
}

// Tool finds a helper binary the tests need (mailpit, stripe-mock): the
// environment variable env, else bin/name at the module root, else PATH.
// Missing, the test fails: a skipped test proves nothing, and CI installs
// them with `make tools`.
func Tool(t testing.TB, name, env string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if root, err := ModuleRoot(); err == nil {
		p := filepath.Join(root, "bin", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Fatalf("%s not found ($%s, bin/%s, PATH): run make tools", name, env, name)
	return ""
}
