package devpg

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// postmasterPID reads the pid from dir/postmaster.pid; 0 when there is none.
func postmasterPID(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return -1, nil // unreadable: treat as stale
	}
	return pid, nil
}

// processAlive reports whether pid is a live PostgreSQL server. A pid
// reused by an unrelated process after a crash counts as not alive, so the
// stale file does not block the next start.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// stat is "pid (comm) state ...". A zombie has exited already; it
	// lingers only when no init process reaps it (common in containers).
	open, closing := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
	if open < 0 || closing < open || closing+2 >= len(stat) {
		return true
	}
	name, state := string(stat[open+1:closing]), stat[closing+2]
	return state != 'Z' && (name == "postgres" || name == "postmaster")
}

// checkPIDFile refuses to start over a live server and removes a stale
// postmaster.pid left by a server that died without cleaning up.
func checkPIDFile(dir string, logger *slog.Logger) error {
	pid, err := postmasterPID(dir)
	if err != nil || pid == 0 {
		return err
	}
	if processAlive(pid) {
		return fmt.Errorf("PostgreSQL already running for %s (pid %d); stop the other backstop dev first", dir, pid)
	}
	logger.Info("removing stale postmaster.pid", "dir", dir, "pid", pid)
	if err := os.Remove(filepath.Join(dir, "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale postmaster.pid: %w", err)
	}
	return nil
}
