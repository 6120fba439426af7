package devpg

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Pause stops the server the way `pg_ctl restart -m fast` first does
// (open sessions ended, in-flight transactions rolled back) and leaves it
// stopped until Resume, for tests of a database outage: unlike Stop, the
// socket directory and the ownership are kept for the restart.
func (s *Server) Pause(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.as.command(ctx, tool(s.binDir, "pg_ctl"), "stop", "-D", s.dir, "-m", "fast", "-w", "-t", "60").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pause postgres (pid %d): %w: %s", s.pid, err, strings.TrimSpace(string(out)))
	}
	if !waitGone(s.pid, 10*time.Second) {
		return fmt.Errorf("pause postgres: pid %d still running", s.pid)
	}
	return nil
}

// Resume starts a paused server again with the settings it had.
func (s *Server) Resume(ctx context.Context, fast bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.start(ctx, fast)
}

// Restart is `pg_ctl restart -m fast`: stop (open sessions ended) and start
// again at once with the options of the last start. The log goes to the
// same file as Start's: without -l the new postmaster would hold pg_ctl's
// output open, and waiting for it would never end.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	logFile := filepath.Join(s.dir, "log")
	out, err := s.as.command(ctx, tool(s.binDir, "pg_ctl"), "restart", "-D", s.dir, "-m", "fast", "-w", "-t", "60", "-l", logFile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restart postgres (pid %d): %w: %s", s.pid, err, strings.TrimSpace(string(out)))
	}
	pid, err := postmasterPID(s.dir)
	if err != nil {
		return err
	}
	s.pid = pid
	return nil
}
