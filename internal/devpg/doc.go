// Package devpg runs a private PostgreSQL server from the machine's own
// binaries, for `backstop dev` and for tests. Nothing is downloaded: it finds
// initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin.
//
// The server is for its owner alone, even on a shared machine: it listens on
// no TCP address, only on a Unix socket in a directory private to the
// server's user, and pg_hba.conf (rewritten at every start, which also fixes
// clusters made when dev trusted 127.0.0.1) accepts socket connections only.
// So the user who ran it (and root) can connect, and no other account can.
//
// PostgreSQL refuses to run as root, and CI runs as root, so when the process
// is root every PostgreSQL binary runs as the postgres user through
// `runuser -u postgres --`, and the data directory is owned by postgres.
// When postgres cannot reach the data dir (a clone in root's home, a
// mktemp -d folder: both mode 0700), the cluster is kept in a folder of its
// own under /var/lib/backstop, derived from the data dir's path, and the data
// dir becomes a symlink to it, so restarts find it. No folder of the user's
// changes mode. A data dir that already holds files is never moved; that
// case is an error that says what to do.
//
// pg_ctl daemonises the server, so it outlives this process unless Stop is
// called: callers must call Stop on every shutdown path. The child commands
// run in their own process group so that a Ctrl-C on the terminal reaches
// only Backstop, which then stops the server in order.
package devpg
