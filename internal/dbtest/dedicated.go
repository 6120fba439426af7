package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/backstophq/backstop/internal/devpg"
)

// Dedicated starts a PostgreSQL server of t's own, with one empty database
// "backstop", for a test that stops or restarts the server and must not
// disturb the other tests' databases. It returns the server and the
// database's URL; the server is stopped and removed when t ends (and swept
// like the shared one if the test binary dies first).
func Dedicated(t testing.TB) (*devpg.Server, string) {
	t.Helper()
	return dedicated(t, true)
}

// Durable is Dedicated with the settings production runs (fsync and
// full_page_writes on, as `make run` starts it), for a benchmark whose
// figures should be what a deployment sees: the shared test server trades
// durability for speed, which makes every commit nearly free.
func Durable(t testing.TB) (*devpg.Server, string) {
	t.Helper()
	return dedicated(t, false)
}

func dedicated(t testing.TB, fast bool) (*devpg.Server, string) {
	t.Helper()
	ctx := context.Background()
	base, err := devpg.TempDir(dirPattern)
	if err != nil {
		t.Fatal("dbtest:", err)
	}
	if err := markOwner(base); err != nil {
		os.RemoveAll(base)
		t.Fatal("dbtest:", err)
	}
	pg, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(base, "pg"), Fast: fast})
	if err != nil {
		os.RemoveAll(base)
		t.Fatal("dbtest:", err)
	}
	t.Cleanup(func() {
		if err := pg.Stop(); err != nil {
			t.Error("dbtest:", err)
		}
		os.RemoveAll(base)
	})
	if err := pg.EnsureDatabase(ctx, "backstop"); err != nil {
		t.Fatal("dbtest:", err)
	}
	return pg, pg.URL("backstop")
}
