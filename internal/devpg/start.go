package devpg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// socketPort only names the socket file (.s.PGSQL.5432): the server
// listens on no TCP port, and each server has a socket directory of its own.
const socketPort = 5432

// maxSocketPath keeps the Unix socket path (dir + "/.s.PGSQL.5432") well
// under the kernel's limit of about 107 bytes.
const maxSocketPath = 80

// hbaConf is the whole of pg_hba.conf, written at every start so that a
// cluster made by an older Backstop, which trusted TCP connections on
// 127.0.0.1 from every local user, is fixed too. Only Unix socket
// connections are accepted, and the socket is reachable by the server's user
// alone: the data dir (or the socket dir under /tmp) is mode 0700 and the
// socket file itself 0700 (unix_socket_permissions). Root, which bypasses
// file modes, can still connect; nobody else can.
const hbaConf = `# Written by Backstop at every start; changes here are overwritten.
# Unix socket only, in a directory private to the server's user.
local all all trust
`

// writeHBA replaces pg_hba.conf with hbaConf.
func (s *Server) writeHBA() error {
	path := filepath.Join(s.dir, "pg_hba.conf")
	if err := os.WriteFile(path, []byte(hbaConf), 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	if s.as.root {
		if err := os.Chown(path, s.as.uid, s.as.gid); err != nil {
			return fmt.Errorf("write pg_hba.conf: %w", err)
		}
	}
	return nil
}

// prepareSocketDir puts the Unix socket in the data dir (mode 0700, owned
// by the server's user) when its path is short enough, else in a new
// private directory under /tmp, likewise 0700 and owned by that user.
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
// once it accepts connections. The settings on the command line win over
// postgresql.conf and postgresql.auto.conf, so an older cluster's
// listen_addresses or a stray ALTER SYSTEM cannot open a TCP port again.
func (s *Server) start(ctx context.Context, fast bool) error {
	settings := []string{
		"-p", fmt.Sprint(socketPort),
		"-k", shellQuote(s.sockDir),
		"-c", "listen_addresses=''",
		"-c", "unix_socket_permissions=0700",
		"-c", "hba_file=" + shellQuote(filepath.Join(s.dir, "pg_hba.conf")),
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
