package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/backstophq/backstop/internal/store"
)

const migrateUsage = `migrate [up|status]

Applies our pending migrations and River's (up, the default), or lists
which are applied and which are pending (status). Reads DATABASE_URL.`

// cmdMigrate is `backstop migrate [up|status]`.
func cmdMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", migrateUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	action, err := migrateAction(fs.Args())
	if err != nil {
		return err
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if action == "status" {
		return store.MigrationStatus(ctx, st.DB().DB, e.stdout)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	if err := store.Migrate(ctx, st.DB().DB, logger); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "migrations are up to date")
	return nil
}

func migrateAction(args []string) (string, error) {
	switch {
	case len(args) == 0:
		return "up", nil
	case len(args) == 1 && (args[0] == "up" || args[0] == "status"):
		return args[0], nil
	default:
		return "", fmt.Errorf("migrate: unknown action %q: use up or status", strings.Join(args, " "))
	}
}
