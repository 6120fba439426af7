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
	ctx := context.Background()
	base, err := devpg.TempDir(dirPattern)
	if err != nil {
		t.Fatal("dbtest:", err)
	}
	if err := markOwner(base); err != nil {
		os.RemoveAll(base)
		t.Fatal("dbtest:", err)
	}
	pg, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(base, "pg"), Fast: true})
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
