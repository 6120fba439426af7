package devpg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// runAs describes who runs the PostgreSQL binaries: this process's user, or
// the postgres user through runuser when this process is root.
type runAs struct {
	root     bool
	uid, gid int
}

func currentRunAs() (runAs, error) {
	if os.Getuid() != 0 {
		return runAs{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runAs{}, fmt.Errorf("running as root, PostgreSQL must run as the postgres user, which is missing: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if _, err := exec.LookPath("runuser"); err != nil {
		return runAs{}, fmt.Errorf("running as root needs runuser (util-linux) to start PostgreSQL as postgres: %w", err)
	}
	return runAs{root: true, uid: uid, gid: gid}, nil
}

// command builds a command running bin as the right user, in its own
// process group (so a terminal's Ctrl-C does not reach it), from "/" (the
// caller's working directory may be unreachable for postgres) and without
// PG* variables that could point it at another server.
func (r runAs) command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if r.root {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C")
	return cmd
}

// prepareDir creates dir (parents 0755, dir itself 0700 as PostgreSQL
// demands) and returns the directory the cluster lives in. As root it hands
// that directory to postgres; when postgres cannot reach dir (a clone in
// root's home, a mktemp -d folder), the cluster lives under clusterRoot
// instead and dir becomes a symlink to it (see relocate).
func (r runAs) prepareDir(dir, clusterRoot string, logger *slog.Logger) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("create parent of data dir: %w", err)
	}
	if !r.root {
		return dir, mkdirPrivate(dir)
	}
	if target, err := os.Readlink(dir); err == nil {
		return r.linkedCluster(dir, target, logger)
	}
	var unreachable *unreachableError
	if err := r.checkReachable(dir); errors.As(err, &unreachable) {
		return r.relocate(dir, clusterRoot, unreachable, logger)
	} else if err != nil {
		return "", err
	}
	if err := mkdirPrivate(dir); err != nil {
		return "", err
	}
	return dir, r.chownTree(dir)
}

func mkdirPrivate(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return fmt.Errorf("create data dir: %w", err)
	}
	return nil
}

// checkReachable reports a clear error when a directory on the way to the
// data dir cannot be traversed by postgres, e.g. a data dir under /root.
func (r runAs) checkReachable(dir string) error {
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		if !r.canTraverse(fi) {
			return &unreachableError{dir: dir, blocker: d, mode: fi.Mode().Perm(), uid: ownerUID(fi)}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func (r runAs) canTraverse(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) == r.uid:
		return perm&0o100 != 0
	case int(st.Gid) == r.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

func ownerUID(fi fs.FileInfo) int {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}

// chownTree gives dir and everything in it to postgres, unless dir already
// belongs to postgres (the usual case after the first run).
func (r runAs) chownTree(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if ownerUID(fi) == r.uid {
		return nil
	}
	err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, r.uid, r.gid)
	})
	if err != nil {
		return fmt.Errorf("chown data dir to postgres: %w", err)
	}
	return nil
}

// TempDir creates a new directory under os.TempDir() that the postgres user
// can traverse (mode 0755; os.MkdirTemp alone gives 0700, which shuts
// postgres out when this process is root). Data dirs go inside it. The
// caller removes it.
func TempDir(pattern string) (string, error) {
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", fmt.Errorf("temp dir: %w", err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		os.RemoveAll(d)
		return "", fmt.Errorf("temp dir: %w", err)
	}
	return d, nil
}
