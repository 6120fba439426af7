package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/devpg"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/loopback"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/internal/stripesim"
)

// demoPlan is what `backstop dev` seeds: the plan of the seed scenario.
var demoPlan = billing.Plan{Code: "pro-yearly", Name: "Pro (yearly)", Amount: 24900, Currency: "usd", Interval: "year", Active: true}

// cmdDev runs everything locally with no configuration: a private
// PostgreSQL under the data dir, the simulator, the dev mailbox, web and
// workers. Ctrl-C stops all of it, PostgreSQL included.
func cmdDev(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "dev", "dev [--addr 127.0.0.1:8080] [--sim-addr 127.0.0.1:12111] [--data-dir .data]")
	addr := fs.String("addr", "127.0.0.1:8080", "address of the app")
	simAddr := fs.String("sim-addr", "127.0.0.1:12111", "address of the Stripe simulator")
	dataDir := fs.String("data-dir", ".data", "where PostgreSQL's data, the simulator's state and the dev secrets live")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Both ports are checked before PostgreSQL starts, so a taken port
	// fails in a second with a clear message and leaves nothing behind.
	appLn, err := listenTCP(*addr)
	if err != nil {
		return err
	}
	appLn.Close()
	simLn, err := listenTCP(*simAddr)
	if err != nil {
		return err
	}
	pg, err := devpg.Start(ctx, devpg.Options{Dir: filepath.Join(dir, "pg"), Logger: logger})
	if err != nil {
		simLn.Close()
		return err
	}
	defer pg.Stop()
	secrets, err := loadDevSecrets(filepath.Join(dir, "dev.json"))
	if err != nil {
		simLn.Close()
		return err
	}
	faults, err := fault.Parse(e.getenv("BACKSTOP_FAULTS"))
	if err != nil {
		simLn.Close()
		return fmt.Errorf("BACKSTOP_FAULTS %w", err)
	}
	cfg := devConfig(*addr, simLn.Addr().String(), secrets, faults)
	if err := prepareDevDatabase(ctx, pg, &cfg, logger); err != nil {
		simLn.Close()
		return err
	}
	sim, err := stripesim.New(stripesim.Options{
		APIKey: secrets.APIKey, WebhookURL: cfg.BaseURL + "/webhooks/stripe", WebhookSecret: secrets.WebhookSecret,
		StatePath: filepath.Join(dir, "sim.json"), PublicURL: cfg.StripeAPIBase, Logger: logger,
		AllowedHosts: loopback.Hosts(simLn.Addr().String()),
	})
	if err != nil {
		simLn.Close()
		return err
	}
	simDone := make(chan error, 1)
	go func() { simDone <- serveSim(ctx, &env{stdout: e.stderr, stderr: e.stderr}, simLn, sim) }()
	return errors.Join(runDevApp(ctx, e, cfg, logger), <-simDone)
}

func runDevApp(ctx context.Context, e *env, cfg config.Config, logger *slog.Logger) error {
	st, err := openStack(ctx, cfg, logger, true)
	if err != nil {
		return err
	}
	defer st.close()
	login, err := seedDev(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nBackstop is running at %s\n  console:   %s/console/login\n  %s\n  mailbox:   %s/dev/mailbox\n  simulator: %s\n  database:  %s\nPress Ctrl-C to stop.\n\n",
		cfg.BaseURL, cfg.BaseURL, login, cfg.BaseURL, cfg.StripeAPIBase, cfg.DatabaseURL)
	return st.run(ctx, cfg.ListenAddr)
}

func devConfig(addr, simAddr string, secrets devSecrets, faults *fault.Points) config.Config {
	return config.Config{
		StripeSecretKey: secrets.APIKey, StripeWebhookSecret: secrets.WebhookSecret,
		StripeAPIBase: "http://" + simAddr, BaseURL: "http://" + addr, ListenAddr: addr,
		MailFrom: "Backstop <shop@backstop.localhost>", SupportEmail: "support@backstop.localhost",
		ReconEventsInterval: 30 * time.Second, ReconSweepInterval: time.Hour,
		ReconLookback: 72 * time.Hour, ReconGrace: 2 * time.Minute, Faults: faults,
		DevMailbox: true, AllowedHosts: loopback.Hosts(addr),
	}
}

// prepareDevDatabase creates and migrates the dev database.
func prepareDevDatabase(ctx context.Context, pg *devpg.Server, cfg *config.Config, logger *slog.Logger) error {
	if err := pg.EnsureDatabase(ctx, "backstop"); err != nil {
		return err
	}
	cfg.DatabaseURL = pg.URL("backstop")
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	return store.Migrate(ctx, st.DB().DB, logger)
}

// devStaffEmail is the staff login `backstop dev` creates on a fresh database.
const devStaffEmail = "admin@backstop.localhost"

// seedDev adds the demo plan when absent, leaving a plan a person changed
// as it is, and a staff login when there is none. It returns the banner's
// staff line: the generated password on the run that created it, and only
// the email after, since the password is stored nowhere in the clear.
func seedDev(ctx context.Context, st *stack) (string, error) {
	_, err := st.store.Plan(ctx, demoPlan.Code)
	if apperr.Is(err, apperr.NotFound) {
		err = st.store.UpsertPlan(ctx, demoPlan)
	}
	if err != nil {
		return "", err
	}
	n, err := st.staff.Count(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "staff login: " + devStaffEmail + " (password shown on first run)", nil
	}
	password, err := staff.GeneratePassword()
	if err != nil {
		return "", err
	}
	if _, err := st.staff.Add(ctx, devStaffEmail, staff.RoleAdmin, password); err != nil {
		return "", err
	}
	return fmt.Sprintf("staff login: %s / %s (shown once; add more with backstop staff add)", devStaffEmail, password), nil
}
