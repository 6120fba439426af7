package devpg

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// findBinDir returns the directory holding initdb, pg_ctl and postgres:
// the one pg_ctl on PATH lives in (after symlinks, since initdb finds
// postgres beside itself), else the newest /usr/lib/postgresql/*/bin.
func findBinDir() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if hasBinaries(d) {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL binaries found: need initdb, pg_ctl and postgres on PATH " +
		"or under /usr/lib/postgresql/<version>/bin (Debian: apt-get install postgresql)")
}

func hasBinaries(dir string) bool {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// pgVersion reads the major version from /usr/lib/postgresql/<v>/bin, so
// that 15 sorts above 9.6.
func pgVersion(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// tool returns the path of one binary in dir, for messages and commands.
func tool(dir, name string) string { return filepath.Join(dir, name) }
