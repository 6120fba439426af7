package devpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
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
	pid     int
	sockDir string
	tmpSock bool // sockDir is ours to remove
	as      runAs
	logger  *slog.Logger

	mu      sync.Mutex
	stopped bool
}

// Start initialises opts.Dir if it holds no cluster yet, then starts
// PostgreSQL and waits until it accepts connections. The server listens on
// no TCP address, only on a Unix socket in a directory private to its user
// (see URL). It fails with a clear message when no binaries are found, when
// a server is already running on the same directory, when the postgres user
// cannot reach a data dir that already holds files, or when the server does
// not come up (the error carries the tail of its log).
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
	if err := s.writeHBA(); err != nil {
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
	s.logger.Info("postgres started", "dir", s.dir, "socket_dir", s.sockDir, "pid", s.pid)
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

// URL returns a connection URL for dbname as the postgres superuser over
// the Unix socket, e.g. postgres://postgres@/backstop?host=/dir&port=5432.
// It needs no password: the cluster trusts socket connections, and only the
// server's user (and root) can open the socket.
func (s *Server) URL(dbname string) string {
	// Slashes may stay as they are in a query; the URL is for people too.
	host := strings.ReplaceAll(url.QueryEscape(s.sockDir), "%2F", "/")
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + dbname,
		RawQuery: "host=" + host + "&port=" + strconv.Itoa(socketPort) + "&sslmode=disable"}
	return u.String()
}

// SocketDir returns the directory holding the server's Unix socket.
func (s *Server) SocketDir() string { return s.sockDir }

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
	args := []string{"-D", s.dir, "--auth-local=trust", "--auth-host=reject", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-instructions"}
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
