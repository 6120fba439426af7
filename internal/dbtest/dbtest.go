package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/backstophq/backstop/internal/devpg"
	"github.com/backstophq/backstop/internal/store"
)

// EnvURL names the variable that points the tests at an existing server.
const EnvURL = "BACKSTOP_TEST_PG_URL"

// cluster is the server this test binary uses. It is package state because
// TestMain and the tests share no handle; Main sets it before any test runs
// and nothing changes it afterwards, except the counter.
var cluster *server

type server struct {
	admin    *store.Store // superuser, connected to the postgres database
	base     *url.URL     // the server's URL; the path is replaced per database
	prefix   string       // keeps names apart when the server is shared
	template string
	n        atomic.Int64
}

// Main runs the package's tests against a private server and exits. Call it
// from TestMain; it never returns.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	srv, stop, err := setup(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer stop()
	cluster = srv
	return m.Run()
}

// setup connects to BACKSTOP_TEST_PG_URL or starts a server, then builds
// the template. stop undoes both.
func setup(ctx context.Context) (*server, func(), error) {
	serverURL, stopServer, shared, err := startServer(ctx)
	if err != nil {
		return nil, nil, err
	}
	srv, err := connect(ctx, serverURL, shared)
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	if err := srv.createTemplate(ctx); err != nil {
		srv.admin.Close()
		stopServer()
		return nil, nil, err
	}
	stop := func() {
		if shared {
			srv.dropTemplate(context.Background())
		}
		srv.admin.Close()
		stopServer()
	}
	return srv, stop, nil
}

func startServer(ctx context.Context) (serverURL string, stop func(), shared bool, err error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, func() {}, true, nil
	}
	sweep(ctx)
	base, err := devpg.TempDir(dirPattern)
	if err != nil {
		return "", nil, false, err
	}
	if err := markOwner(base); err != nil {
		os.RemoveAll(base)
		return "", nil, false, err
	}
	pg, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(base, "pg"), Fast: true})
	if err != nil {
		os.RemoveAll(base)
		return "", nil, false, err
	}
	stop = func() {
		if err := pg.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "dbtest:", err)
		}
		os.RemoveAll(base)
	}
	return pg.URL("postgres"), stop, false, nil
}

func connect(ctx context.Context, serverURL string, shared bool) (*server, error) {
	base, err := url.Parse(serverURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvURL, err)
	}
	admin, err := store.Open(ctx, serverURL)
	if err != nil {
		return nil, err
	}
	srv := &server{admin: admin, base: base, template: "backstop_template"}
	if shared {
		srv.prefix = randomHex() + "_"
		srv.template += "_" + srv.prefix[:len(srv.prefix)-1]
	}
	return srv, nil
}

func randomHex() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// url returns the URL of database name on the server.
func (s *server) url(name string) string {
	u := *s.base
	u.Path = "/" + name
	return u.String()
}

// URL creates a fresh migrated database for t and returns its URL, for
// tests that start the real binary. The database is dropped (with any
// connections still open to it) when t ends. Safe with t.Parallel().
func URL(t testing.TB) string {
	t.Helper()
	if cluster == nil {
		t.Fatal("dbtest: no server: call dbtest.Main(m) from the package's TestMain")
	}
	name, err := cluster.createDatabase(t.Context())
	if err != nil {
		t.Fatal("dbtest:", err)
	}
	t.Cleanup(func() {
		if err := cluster.dropDatabase(context.Background(), name); err != nil {
			t.Error("dbtest:", err)
		}
	})
	return cluster.url(name)
}

// New creates a fresh migrated database for t and returns a pool connected
// to it; the pool is closed and the database dropped when t ends. Safe with
// t.Parallel().
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	u := URL(t)
	st, err := store.Open(t.Context(), u)
	if err != nil {
		t.Fatal("dbtest:", err)
	}
	t.Cleanup(func() { st.Close() })
	return st.DB()
}
