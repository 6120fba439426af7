package devpg

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// defaultClusterRoot holds, as root, the clusters whose data dir the
// postgres user cannot reach.
const defaultClusterRoot = "/var/lib/backstop"

// homeRecord, beside a relocated cluster, names the data dir it belongs to,
// for the person who finds /var/lib/backstop/dev-… and wonders.
const homeRecord = "data-dir"

// unreachableError says which directory keeps the postgres user from the
// data dir, and what to do about it.
type unreachableError struct {
	dir, blocker string
	mode         fs.FileMode
	uid          int
	hint         string
}

func (e *unreachableError) Error() string {
	msg := fmt.Sprintf("PostgreSQL runs as the postgres user, which cannot reach %s: %s is mode %v and owned by uid %d",
		e.dir, e.blocker, e.mode, e.uid)
	if e.hint == "" {
		return msg
	}
	return msg + "; " + e.hint
}

// relocate keeps the cluster of dir, which the postgres user cannot reach,
// under root instead and makes dir a symlink to it. Nothing in the user's
// home changes mode. A dir that already holds files is left alone: moving
// someone's data is not for a dev command to do, so that is the error.
func (r runAs) relocate(dir, root string, why *unreachableError, logger *slog.Logger) (string, error) {
	if !emptyOrMissing(dir) {
		why.hint = fmt.Sprintf("it already holds files, so Backstop leaves it there: run chmod o+x %s so that "+
			"postgres can reach it, or choose another data dir", why.blocker)
		return "", why
	}
	if root == "" {
		root = defaultClusterRoot
	}
	home, err := clusterHome(root, dir)
	if err != nil {
		return "", err
	}
	target := filepath.Join(home, "pg")
	if err := r.prepareTarget(target); err != nil {
		return "", fmt.Errorf("%w; keeping its cluster in %s instead failed: %w", why, target, err)
	}
	if err := os.WriteFile(filepath.Join(home, homeRecord), []byte(dir+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("record the data dir of %s: %w", target, err)
	}
	// An empty dir is what an older Backstop left when it stopped here.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("data dir: %w", err)
	}
	if err := os.Symlink(target, dir); err != nil {
		return "", fmt.Errorf("link the data dir to its cluster: %w", err)
	}
	logger.Info("the postgres user cannot reach the data dir, so its cluster lives elsewhere, linked from it",
		"data_dir", dir, "cluster", target, "blocked_by", why.blocker)
	return target, nil
}

// linkedCluster is the cluster a data dir links to (made by relocate on an
// earlier start). A missing target, e.g. /var/lib/backstop wiped, is made
// afresh rather than refused: the link says where the cluster belongs.
func (r runAs) linkedCluster(dir, target string, logger *slog.Logger) (string, error) {
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(dir), target)
	}
	if _, err := os.Stat(target); errors.Is(err, fs.ErrNotExist) {
		logger.Warn("the data dir links to a cluster that is gone; starting a new one there",
			"data_dir", dir, "cluster", target)
	}
	if err := r.prepareTarget(target); err != nil {
		return "", fmt.Errorf("data dir %s links to %s: %w", dir, target, err)
	}
	return target, nil
}

// prepareTarget makes target's parents (traversable) and target itself
// (0700, postgres's), after checking that postgres can reach it.
func (r runAs) prepareTarget(target string) error {
	if err := mkdirTraversable(filepath.Dir(target)); err != nil {
		return err
	}
	if err := r.checkReachable(target); err != nil {
		return err
	}
	if err := mkdirPrivate(target); err != nil {
		return err
	}
	return r.chownTree(target)
}

// clusterHome derives the cluster's folder under root from the data dir's
// path and its parent's inode, so every start of the same data dir finds
// the same folder even without the link, while a data dir deleted and made
// again (rm -r .data) starts afresh, and a new clone where an old one was
// moved away does not take over the moved clone's data.
func clusterHome(root, dir string) (string, error) {
	fi, err := os.Stat(filepath.Dir(dir))
	if err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	sum := sha256.Sum256([]byte(dir + "\x00" + strconv.FormatUint(ino, 10)))
	return filepath.Join(root, "dev-"+hex.EncodeToString(sum[:6])), nil
}

// mkdirTraversable creates dir and its missing parents as mode 0755 whatever
// the umask, since the postgres user must pass through them.
func mkdirTraversable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirTraversable(parent); err != nil {
			return err
		}
	}
	err := os.Mkdir(dir, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return nil // made meanwhile by another start
	}
	if err != nil {
		return err
	}
	return os.Chmod(dir, 0o755)
}

func emptyOrMissing(dir string) bool {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	return err == nil && len(entries) == 0
}
