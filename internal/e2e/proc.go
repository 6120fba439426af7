package e2e

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is a process started for a test. Its output is kept for failures,
// in memory or in a file.
type Proc struct {
	cmd     *exec.Cmd
	out     *syncBuffer
	logPath string
	exited  chan struct{}
	state   *os.ProcessState
}

// Start runs bin with args and env (added to a minimal environment) and
// kills it when the test ends if it is still running.
func Start(t testing.TB, bin string, args, env []string) *Proc {
	t.Helper()
	return start(t, bin, args, env, "")
}

// StartLogged is Start with the output appended to the file at logPath
// instead of memory, for tests that start hundreds of processes; a failed
// test names the file instead of printing it.
func StartLogged(t testing.TB, logPath, bin string, args, env []string) *Proc {
	t.Helper()
	return start(t, bin, args, env, logPath)
}

func start(t testing.TB, bin string, args, env []string, logPath string) *Proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p := &Proc{cmd: cmd, out: &syncBuffer{}, logPath: logPath, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatalf("log file for %s: %v", bin, err)
		}
		defer f.Close() // the child keeps its own descriptor
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if !t.Failed() {
			return
		}
		if logPath != "" {
			t.Logf("output of %v is in %s", args, logPath)
			return
		}
		t.Logf("output of %v:\n%s", args, p.Output())
	})
	return p
}

// Output is everything the process printed so far.
func (p *Proc) Output() string {
	if p.logPath != "" {
		b, _ := os.ReadFile(p.logPath)
		return string(b)
	}
	return p.out.String()
}

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Exited is closed when the process has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// WaitExit waits up to d for the process to exit and returns how it ended.
func (p *Proc) WaitExit(d time.Duration) (syscall.WaitStatus, error) {
	select {
	case <-p.exited:
		return p.state.Sys().(syscall.WaitStatus), nil
	case <-time.After(d):
		return 0, errors.New("process still running")
	}
}

// KilledBySIGKILL reports whether the process died of SIGKILL.
func (p *Proc) KilledBySIGKILL(d time.Duration) bool {
	ws, err := p.WaitExit(d)
	return err == nil && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// WaitHTTP polls url until it answers 200, the process exits, or d passes.
func (p *Proc) WaitHTTP(t testing.TB, url string, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("process exited before %s answered:\n%s", url, p.Output())
		case <-ctx.Done():
			t.Fatalf("%s did not answer 200 within %s:\n%s", url, d, p.Output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitTCP waits until addr accepts connections, the process exits, or d
// passes.
func (p *Proc) WaitTCP(t testing.TB, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("process exited before %s accepted connections:\n%s", addr, p.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not accept connections within %s:\n%s", addr, d, p.Output())
		}
	}
}
