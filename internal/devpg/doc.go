// Package devpg runs a private PostgreSQL server from the machine's own
// binaries, for `backstop dev` and for tests. Nothing is downloaded: it finds
// initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin.
//
// PostgreSQL refuses to run as root, and CI runs as root, so when the process
// is root every PostgreSQL binary runs as the postgres user through
// `runuser -u postgres --`, and the data directory is owned by postgres.
//
// pg_ctl daemonises the server, so it outlives this process unless Stop is
// called: callers must call Stop on every shutdown path. The child commands
// run in their own process group so that a Ctrl-C on the terminal reaches
// only Backstop, which then stops the server in order.
package devpg
