package devpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ownerFile, in the data dir, holds the pid of the process that started the
// server. It tells a server left behind by a backstop that was killed (its
// owner is gone) from one another backstop is still using.
const ownerFile = "backstop-owner.pid"

// postmasterPID reads the pid from dir/postmaster.pid; 0 when there is none.
func postmasterPID(dir string) (int, error) {
	return readPID(filepath.Join(dir, "postmaster.pid"))
}

func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return -1, nil // unreadable: treat as stale
	}
	return pid, nil
}

// procState returns the command name and state letter of pid, and whether
// the process exists at all.
func procState(pid int) (name string, state byte, exists bool) {
	if pid <= 0 {
		return "", 0, false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return "", 0, false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, !errors.Is(err, os.ErrNotExist)
	}
	// stat is "pid (comm) state ...".
	open, closing := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
	if open < 0 || closing < open || closing+2 >= len(stat) {
		return "", 0, true
	}
	return string(stat[open+1 : closing]), stat[closing+2], true
}

// Alive reports whether pid is a running process. A zombie has exited
// already; it lingers only when no init process reaps it (common in
// containers).
func Alive(pid int) bool {
	_, state, exists := procState(pid)
	return exists && state != 'Z'
}

// processAlive reports whether pid is a live PostgreSQL server. A pid reused
// by an unrelated process after a crash counts as not alive, so the stale
// postmaster.pid does not block the next start.
func processAlive(pid int) bool {
	name, state, exists := procState(pid)
	if !exists || state == 'Z' {
		return false
	}
	return name == "" || name == "postgres" || name == "postmaster"
}

// Reclaim makes dir (or the cluster it links to) ready for a new server: it removes a stale
// postmaster.pid, and stops a server whose owning backstop process has died
// (killed before it could call Stop). A server whose owner still runs, or
// that backstop did not start, is left alone and reported as an error.
func Reclaim(ctx context.Context, dir string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // pg_ctl runs as postgres, which may not pass through the link's folder
	}
	pid, err := postmasterPID(dir)
	if err != nil || pid == 0 {
		return err
	}
	if !processAlive(pid) {
		logger.Info("removing stale postmaster.pid", "dir", dir, "pid", pid)
		if err := os.Remove(filepath.Join(dir, "postmaster.pid")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove stale postmaster.pid: %w", err)
		}
		return nil
	}
	owner, _ := readPID(filepath.Join(dir, ownerFile))
	if owner <= 0 || Alive(owner) {
		return fmt.Errorf("PostgreSQL already running for %s (pid %d); stop the other backstop dev first", dir, pid)
	}
	logger.Info("stopping PostgreSQL left running by a backstop that exited without stopping it",
		"dir", dir, "pid", pid, "owner_pid", owner)
	s, err := newServer(Options{Dir: dir, Logger: logger})
	if err != nil {
		return err
	}
	s.pid = pid
	return s.Stop()
}

// writeOwner records this process as the server's owner.
func (s *Server) writeOwner() error {
	path := filepath.Join(s.dir, ownerFile)
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", ownerFile, err)
	}
	return nil
}

// waitGone waits until pid has exited, for callers that must not race a
// postmaster that is still shutting down.
func waitGone(pid int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
