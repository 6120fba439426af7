package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/devpg"
)

// dirPattern names the temporary directories of the test servers.
const dirPattern = "backstop-test-"

// ownerName is the file in such a directory holding the pid of the test
// binary that made it.
const ownerName = "owner"

// markOwner records this test binary as the owner of base.
func markOwner(base string) error {
	return os.WriteFile(filepath.Join(base, ownerName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// sweep stops the servers and removes the directories of test binaries
// that died without cleaning up: a panicking test or -timeout kills the
// binary before Main's deferred Stop runs, and the daemonised PostgreSQL
// would otherwise run on. Directories of live binaries are left alone.
func sweep(ctx context.Context) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPattern+"*"))
	for _, base := range dirs {
		if !abandoned(base) {
			continue
		}
		if err := devpg.Reclaim(ctx, filepath.Join(base, "pg"), nil); err != nil {
			continue
		}
		os.RemoveAll(base)
	}
}

// abandoned reports whether base's owner has exited. A directory without an
// owner file may be one another binary has just created; only an old one
// counts as abandoned.
func abandoned(base string) bool {
	b, err := os.ReadFile(filepath.Join(base, ownerName))
	if err != nil {
		fi, statErr := os.Stat(base)
		return statErr == nil && time.Since(fi.ModTime()) > time.Hour
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && !devpg.Alive(pid)
}
