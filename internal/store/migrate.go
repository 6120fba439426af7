package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/backstophq/backstop/migrations"
)

// Migrate applies our pending goose migrations, then River's. Each applied
// migration is logged at info; goose's and River's own chatter goes to
// logger at debug, so tests and `make test` stay quiet. A nil logger
// discards everything. Two processes migrating at once are serialised by a
// PostgreSQL advisory lock.
func Migrate(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	logger = orDiscard(logger)
	p, err := newGoose(db, logger, true)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("goose up: %w", err)
	}
	for _, r := range results {
		logger.InfoContext(ctx, "migration applied", "line", "backstop",
			"name", path.Base(r.Source.Path), "duration", r.Duration.Round(time.Millisecond))
	}
	m, err := newRiverMigrator(db, logger)
	if err != nil {
		return err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("river migrate up: %w", err)
	}
	for _, v := range res.Versions {
		logger.InfoContext(ctx, "migration applied", "line", "river",
			"name", fmt.Sprintf("%03d_%s", v.Version, v.Name), "duration", v.Duration.Round(time.Millisecond))
	}
	return nil
}

// MigrationStatus writes which of our migrations and River's are applied
// and which are pending, one line each.
func MigrationStatus(ctx context.Context, db *sql.DB, w io.Writer) error {
	p, err := newGoose(db, nil, false)
	if err != nil {
		return err
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("goose status: %w", err)
	}
	fmt.Fprintln(w, "backstop migrations:")
	for _, s := range statuses {
		fmt.Fprintf(w, "  %-8s %-20s %s\n", s.State, appliedAt(s.AppliedAt), path.Base(s.Source.Path))
	}
	m, err := newRiverMigrator(db, nil)
	if err != nil {
		return err
	}
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		return fmt.Errorf("river migration status: %w", err)
	}
	applied := make(map[int]bool, len(existing))
	for _, v := range existing {
		applied[v.Version] = true
	}
	fmt.Fprintln(w, "river migrations:")
	for _, v := range m.AllVersions() {
		state := "pending"
		if applied[v.Version] {
			state = "applied"
		}
		fmt.Fprintf(w, "  %-8s %03d_%s\n", state, v.Version, v.Name)
	}
	return nil
}

func appliedAt(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// newGoose builds a goose provider over the embedded migrations. With
// locking, concurrent migrators wait for each other on an advisory lock.
func newGoose(db *sql.DB, logger *slog.Logger, locked bool) (*goose.Provider, error) {
	opts := []goose.ProviderOption{
		goose.WithSlog(quiet(orDiscard(logger)).With("logger", "goose")),
		goose.WithVerbose(true),
	}
	if locked {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("goose locker: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, opts...)
	if err != nil {
		return nil, fmt.Errorf("goose provider: %w", err)
	}
	return p, nil
}

func newRiverMigrator(db *sql.DB, logger *slog.Logger) (*rivermigrate.Migrator[*sql.Tx], error) {
	m, err := rivermigrate.New(riverdatabasesql.New(db), &rivermigrate.Config{
		Logger: quiet(orDiscard(logger)).With("logger", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	return m, nil
}
