package devpg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxSocketPath keeps the unix socket path (dir + "/.s.PGSQL.NNNNN.lock")
// under the kernel's limit of about 107 bytes.
const maxSocketPath = 80

// prepareSocketDir puts the unix socket in the data dir when its path is
// short enough, else in a private directory under /tmp.
func (s *Server) prepareSocketDir() error {
	if len(s.dir) <= maxSocketPath {
		s.sockDir = s.dir
		return nil
	}
	d, err := os.MkdirTemp("/tmp", "devpg-")
	if err != nil {
		return fmt.Errorf("socket dir: %w", err)
	}
	if s.as.root {
		if err := os.Chown(d, s.as.uid, s.as.gid); err != nil {
			os.Remove(d)
			return fmt.Errorf("socket dir: %w", err)
		}
	}
	s.sockDir, s.tmpSock = d, true
	return nil
}

func (s *Server) removeSocketDir() {
	if s.tmpSock {
		os.RemoveAll(s.sockDir)
	}
}

// start runs pg_ctl start -w, which daemonises the postmaster and returns
// once it accepts connections.
func (s *Server) start(ctx context.Context, fast bool) error {
	settings := []string{
		"-p", fmt.Sprint(s.port),
		"-k", shellQuote(s.sockDir),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "synchronous_commit=on",
	}
	if fast {
		settings = append(settings, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=300")
	} else {
		settings = append(settings, "-c", "fsync=on")
	}
	logFile := filepath.Join(s.dir, "log")
	args := []string{"start", "-w", "-t", "60", "-D", s.dir, "-l", logFile, "-o", strings.Join(settings, " ")}
	out, err := s.as.command(ctx, tool(s.binDir, "pg_ctl"), args...).CombinedOutput()
	if err != nil {
		logTail := readTail(logFile, 15)
		if strings.Contains(logTail, "Address already in use") {
			return fmt.Errorf("port %d on 127.0.0.1 is already in use (postgres could not bind it)", s.port)
		}
		return fmt.Errorf("pg_ctl start %s: %w: %s\nserver log (%s):\n%s",
			s.dir, err, strings.TrimSpace(string(out)), logFile, logTail)
	}
	pid, err := postmasterPID(s.dir)
	if err != nil {
		return err
	}
	s.pid = pid
	return nil
}

// shellQuote quotes a value for the shell that pg_ctl hands -o to.
func shellQuote(v string) string {
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

func readTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return tail(string(b), n)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
