package devpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure Start.
type Options struct {
	// Dir is the data directory. It is created and initialised on first
	// use and reused afterwards, so data survives restarts.
	Dir string
	// ClusterRoot is where the cluster goes when this process is root and
	// the postgres user cannot reach Dir (root's home and every mktemp -d
	// are mode 0700): ClusterRoot/dev-<hash>/pg, with Dir a symlink to it.
	// Empty means /var/lib/backstop. Tests point it at a temporary folder.
	ClusterRoot string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// Logger receives start, stop and recovery messages; nil discards them.
	Logger *slog.Logger
	// Fast trades durability for speed, for tests only: fsync and
	// full_page_writes off. synchronous_commit stays on, because the app
	// refuses to be ready without it.
	Fast bool
}

// Server is a running PostgreSQL started by Start. Stop it on every
// shutdown path: the server is a daemon and outlives this process.
type Server struct {
	dir     string // where the cluster lives, symlinks resolved
	binDir  string
	port    int
	pid     int
	sockDir string
	tmpSock bool // sockDir is ours to remove
	as      runAs
	logger  *slog.Logger

	mu      sync.Mutex
	stopped bool
}

// Start initialises opts.Dir if it holds no cluster yet, then starts
// PostgreSQL on 127.0.0.1 and waits until it accepts connections. It fails
// with a clear message when no binaries are found, when a server is already
// running on the same directory, when the postgres user cannot reach a data
// dir that already holds files, when the port is taken, or when the server
// does not come up (the error carries the tail of its log).
func Start(ctx context.Context, opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	if s.dir, err = s.as.prepareDir(s.dir, opts.ClusterRoot, s.logger); err != nil {
		return nil, err
	}
	if err := Reclaim(ctx, s.dir, s.logger); err != nil {
		return nil, err
	}
	if err := s.initdb(ctx, opts.Fast); err != nil {
		return nil, err
	}
	if s.port, err = choosePort(opts.Port); err != nil {
		return nil, err
	}
	if err := s.prepareSocketDir(); err != nil {
		return nil, err
	}
	if err := s.start(ctx, opts.Fast); err != nil {
		s.removeSocketDir()
		return nil, err
	}
	if err := s.writeOwner(); err != nil {
		s.Stop()
		return nil, err
	}
	s.logger.Info("postgres started", "dir", s.dir, "port", s.port, "pid", s.pid)
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("devpg: Options.Dir is required")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	as, err := currentRunAs()
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{dir: dir, binDir: binDir, as: as, logger: logger}, nil
}

// URL returns a connection URL for dbname as the postgres superuser, who
// needs no password (the cluster trusts local connections).
func (s *Server) URL(dbname string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, dbname)
}

// Port returns the TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// PID returns the postmaster's process id.
func (s *Server) PID() int { return s.pid }

// Dir returns the absolute directory the cluster lives in: Options.Dir, or
// the directory it links to when the cluster was kept under ClusterRoot.
func (s *Server) Dir() string { return s.dir }

// Stop shuts the server down (fast mode: open sessions are ended, in-flight
// transactions roll back) and waits until the postmaster has exited. Calling
// it again, or after the server died on its own, returns nil.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := s.as.command(ctx, tool(s.binDir, "pg_ctl"), "stop", "-D", s.dir, "-m", "fast", "-w", "-t", "60").CombinedOutput()
	if err != nil && processAlive(s.pid) {
		return fmt.Errorf("stop postgres (pid %d): %w: %s", s.pid, err, strings.TrimSpace(string(out)))
	}
	if !waitGone(s.pid, 10*time.Second) {
		return fmt.Errorf("stop postgres: pid %d still running", s.pid)
	}
	s.stopped = true
	os.Remove(filepath.Join(s.dir, ownerFile))
	s.removeSocketDir()
	s.logger.Info("postgres stopped", "dir", s.dir, "pid", s.pid)
	return nil
}

// initdb creates the cluster unless dir already holds one.
func (s *Server) initdb(ctx context.Context, fast bool) error {
	if _, err := os.Stat(filepath.Join(s.dir, "PG_VERSION")); err == nil {
		return nil
	}
	args := []string{"-D", s.dir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-instructions"}
	if fast {
		args = append(args, "--no-sync")
	}
	s.logger.Info("initialising postgres data dir", "dir", s.dir)
	out, err := s.as.command(ctx, tool(s.binDir, "initdb"), args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb %s: %w: %s", s.dir, err, tail(string(out), 20))
	}
	return nil
}

// choosePort checks that port is free on 127.0.0.1, or picks a free one.
func choosePort(port int) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("port %d on 127.0.0.1 is already in use: %w", port, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
