package dbtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/devpg"
)

func TestSweepStopsServersOfDeadTestBinaries(t *testing.T) {
	t.Parallel()
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	dead := []byte(strconv.Itoa(gone.Process.Pid) + "\n")

	base, err := devpg.TempDir(dirPattern)
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	pg, err := devpg.Start(t.Context(), devpg.Options{Dir: filepath.Join(base, "pg"), Fast: true})
	require.NoError(t, err)
	t.Cleanup(func() { pg.Stop() })
	// As if the binary that started it had been killed by a -timeout panic.
	require.NoError(t, os.WriteFile(filepath.Join(base, ownerName), dead, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(base, "pg", "backstop-owner.pid"), dead, 0o644))

	sweep(t.Context())
	require.False(t, devpg.Alive(pg.PID()), "the abandoned server should be stopped")
	require.NoDirExists(t, base)
}
