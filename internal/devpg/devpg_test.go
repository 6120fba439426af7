package devpg_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	_ "github.com/lib/pq"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/devpg"
)

// dataDir returns a fresh data dir that postgres can reach, removed after t.
func dataDir(t *testing.T) string {
	t.Helper()
	base, err := devpg.TempDir("devpg-test-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(base) })
	return filepath.Join(base, "data")
}

func start(t *testing.T, opts devpg.Options) *devpg.Server {
	t.Helper()
	opts.Fast = true
	s, err := devpg.Start(context.Background(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Stop() })
	return s
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// alive reports whether pid exists (a zombie counts as gone: it has exited).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !containsState(string(b), 'Z')
}

func containsState(stat string, state byte) bool {
	for i := len(stat) - 1; i > 0; i-- {
		if stat[i] == ')' && i+2 < len(stat) {
			return stat[i+2] == state
		}
	}
	return false
}

func TestStartStopLeavesNoProcess(t *testing.T) {
	t.Parallel()
	s := start(t, devpg.Options{Dir: dataDir(t)})
	pid := s.PID()
	require.Positive(t, pid)
	require.True(t, alive(pid), "postmaster should run after Start")

	var sc string
	require.NoError(t, open(t, s.URL("postgres")).QueryRow(`SHOW synchronous_commit`).Scan(&sc))
	require.Equal(t, "on", sc)

	require.NoError(t, s.Stop())
	require.False(t, alive(pid), "postmaster %d still running after Stop", pid)
	require.NoFileExists(t, filepath.Join(s.Dir(), "postmaster.pid"))
	require.NoError(t, s.Stop(), "a second Stop is a no-op")
}

func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	ctx := context.Background()

	s := start(t, devpg.Options{Dir: dir})
	require.NoError(t, s.EnsureDatabase(ctx, "keep"))
	require.NoError(t, s.EnsureDatabase(ctx, "keep"), "EnsureDatabase is idempotent")
	db := open(t, s.URL("keep"))
	_, err := db.Exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')`)
	require.NoError(t, err)
	db.Close()
	require.NoError(t, s.Stop())

	s2 := start(t, devpg.Options{Dir: dir})
	var v string
	require.NoError(t, open(t, s2.URL("keep")).QueryRow(`SELECT v FROM t`).Scan(&v))
	require.Equal(t, "kept", v)
}

func TestStalePIDFileIsRemoved(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s := start(t, devpg.Options{Dir: dir})
	require.NoError(t, s.Stop())

	dead := deadPID(t)
	stale := strconv.Itoa(dead) + "\n" + dir + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(stale), 0o600))

	s2 := start(t, devpg.Options{Dir: dir})
	require.NotEqual(t, dead, s2.PID())
	require.NoError(t, open(t, s2.URL("postgres")).Ping())
}

// deadPID returns a pid that certainly belongs to no process any more.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	return cmd.Process.Pid
}

func TestServerOfADeadOwnerIsReclaimed(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	orphan := start(t, devpg.Options{Dir: dir})
	// As if the backstop that started it had been killed with SIGKILL.
	owner := filepath.Join(dir, "backstop-owner.pid")
	require.FileExists(t, owner)
	require.NoError(t, os.WriteFile(owner, []byte(strconv.Itoa(deadPID(t))+"\n"), 0o644))

	s := start(t, devpg.Options{Dir: dir})
	require.False(t, alive(orphan.PID()), "the orphaned postmaster should have been stopped")
	require.NoError(t, open(t, s.URL("postgres")).Ping())
}

func TestSecondServerOnSameDirIsRefused(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s := start(t, devpg.Options{Dir: dir})

	_, err := devpg.Start(context.Background(), devpg.Options{Dir: dir, Fast: true})
	require.ErrorContains(t, err, "PostgreSQL already running for "+dir)
	require.ErrorContains(t, err, "pid "+strconv.Itoa(s.PID()))
	require.True(t, alive(s.PID()), "the first server must be left alone")
}

func TestPrivateFolderAsRootKeepsTheClusterElsewhere(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root hands the data dir to the postgres user")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "x", "data")
	private := filepath.Dir(filepath.Dir(filepath.Dir(dir))) // t.TempDir's parent: 0700, root's
	root := dataDir(t)
	ctx := context.Background()
	// What an older Backstop left when it stopped with "cannot reach".
	require.NoError(t, os.MkdirAll(dir, 0o700))

	s := start(t, devpg.Options{Dir: dir, ClusterRoot: root})
	target, err := os.Readlink(dir)
	require.NoError(t, err, "the data dir links to the cluster")
	require.Equal(t, target, s.Dir())
	require.True(t, strings.HasPrefix(target, root+"/dev-"), "cluster %s under %s", target, root)
	fi, err := os.Stat(target)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	require.Equal(t, postgresUID(t), int(fi.Sys().(*syscall.Stat_t).Uid), "the cluster belongs to postgres")
	record, err := os.ReadFile(filepath.Join(filepath.Dir(target), "data-dir"))
	require.NoError(t, err)
	require.Equal(t, dir+"\n", string(record))

	require.NoError(t, s.EnsureDatabase(ctx, "keep"))
	_, err = open(t, s.URL("keep")).Exec(`CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')`)
	require.NoError(t, err)
	require.NoError(t, s.Stop())

	s2 := start(t, devpg.Options{Dir: dir, ClusterRoot: root})
	require.Equal(t, target, s2.Dir(), "the second start finds the same cluster")
	var v string
	require.NoError(t, open(t, s2.URL("keep")).QueryRow(`SELECT v FROM t`).Scan(&v))
	require.Equal(t, "kept", v)
	fi, err = os.Stat(private)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "the private folder keeps its mode")
}

func TestUnreachableDataDirWithFilesAsRootIsAClearError(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root hands the data dir to the postgres user")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "x", "data") // t.TempDir's parent is 0700, root's
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "PG_VERSION"), []byte("15\n"), 0o600))
	_, err := devpg.Start(context.Background(), devpg.Options{Dir: dir, ClusterRoot: dataDir(t), Fast: true})
	require.ErrorContains(t, err, "postgres user, which cannot reach "+dir)
	require.ErrorContains(t, err, "is mode -rwx------")
	require.ErrorContains(t, err, "already holds files")
	fi, err := os.Lstat(dir)
	require.NoError(t, err)
	require.True(t, fi.IsDir(), "a data dir with files is left where it is")
}

// TestOnlyTheOwnerCanConnect: no TCP listener, and the socket sits in a
// directory only the server's user can enter. Root, which bypasses modes,
// checks that another account is turned away.
func TestOnlyTheOwnerCanConnect(t *testing.T) {
	t.Parallel()
	s := start(t, devpg.Options{Dir: dataDir(t)})
	db := open(t, s.URL("postgres"))
	var listen string
	require.NoError(t, db.QueryRow(`SHOW listen_addresses`).Scan(&listen))
	require.Empty(t, listen, "no TCP address")
	var notLocal int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM pg_hba_file_rules WHERE type <> 'local'`).Scan(&notLocal))
	require.Zero(t, notLocal, "pg_hba.conf accepts Unix socket connections only")

	fi, err := os.Stat(s.SocketDir())
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), "socket dir %s", s.SocketDir())
	want := os.Getuid()
	if want == 0 {
		want = postgresUID(t)
	}
	require.Equal(t, want, int(fi.Sys().(*syscall.Stat_t).Uid), "the socket dir belongs to the server's user")

	if os.Getuid() != 0 {
		return
	}
	psql := exec.Command("runuser", "-u", "nobody", "--", "psql", s.URL("postgres"), "-c", "SELECT 1")
	psql.Dir = "/"
	out, err := psql.CombinedOutput()
	require.Error(t, err, "another account must not connect:\n%s", out)
	require.Contains(t, string(out), "Permission denied")
}

// TestAnOlderTrustingClusterIsFixed: a cluster made when dev listened on
// 127.0.0.1 and trusted it loses both at the next start.
func TestAnOlderTrustingClusterIsFixed(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s := start(t, devpg.Options{Dir: dir})
	require.NoError(t, s.Stop())
	old := "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pg_hba.conf"), []byte(old), 0o600))
	auto, err := os.OpenFile(filepath.Join(dir, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = auto.WriteString("listen_addresses = '127.0.0.1'\n")
	require.NoError(t, err)
	require.NoError(t, auto.Close())

	s2 := start(t, devpg.Options{Dir: dir})
	db := open(t, s2.URL("postgres"))
	var listen string
	require.NoError(t, db.QueryRow(`SHOW listen_addresses`).Scan(&listen))
	require.Empty(t, listen)
	var hosts int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM pg_hba_file_rules WHERE type <> 'local'`).Scan(&hosts))
	require.Zero(t, hosts, "the old host lines are gone")
}

func postgresUID(t *testing.T) int {
	t.Helper()
	u, err := user.Lookup("postgres")
	require.NoError(t, err)
	uid, err := strconv.Atoi(u.Uid)
	require.NoError(t, err)
	return uid
}

func TestStartFailureCarriesTheServerLog(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s := start(t, devpg.Options{Dir: dir})
	require.NoError(t, s.Stop())
	conf, err := os.OpenFile(filepath.Join(dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = conf.WriteString("\nbackstop_bogus_setting = 1\n")
	require.NoError(t, err)
	require.NoError(t, conf.Close())

	_, err = devpg.Start(context.Background(), devpg.Options{Dir: dir, Fast: true})
	require.ErrorContains(t, err, "server log")
	require.ErrorContains(t, err, "backstop_bogus_setting")
}
