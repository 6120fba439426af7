package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/recon"
)

// cmdReconcile is `backstop reconcile [--lookback 72h] [--dry-run] [--json]`:
// one sweep now, with the configuration serve uses. When another sweep is
// running it says so and exits non-zero, having done nothing.
func cmdReconcile(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "reconcile", "reconcile [--lookback 72h] [--dry-run] [--json]\n\n"+
		"One reconciliation sweep now (DESIGN section 6), configured from the environment like serve.\n"+
		"Exits non-zero, changing nothing, when another sweep is running.")
	lookback := fs.Duration("lookback", 0, "how far back to list processor objects (default RECON_LOOKBACK, 72h)")
	dryRun := fs.Bool("dry-run", false, "classify and report, but heal nothing and write no mismatch")
	asJSON := fs.Bool("json", false, "print the run as JSON: {run_id,window_from,window_to,api_calls,objects_seen,healed,mismatches_opened,mismatches_updated,mismatches_resolved,by_kind,dry_run,duration_ms}")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("reconcile: unexpected argument %q", fs.Arg(0))
	}
	if *lookback < 0 {
		return errors.New("reconcile: --lookback must be positive")
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStack(ctx, cfg, logger, false)
	if err != nil {
		return err
	}
	defer st.close()
	res, err := st.recon.sweeper.Run(ctx, recon.SweepOptions{Lookback: *lookback, DryRun: *dryRun})
	if errors.Is(err, recon.ErrBusy) {
		return errors.New("reconcile: another sweep is running; nothing done")
	}
	if err != nil {
		return fmt.Errorf("reconcile: sweep run %d failed: %w", res.RunID, err)
	}
	if *asJSON {
		return printJSON(e.stdout, res)
	}
	printSweep(e, res)
	return nil
}

func printSweep(e *env, r recon.Result) {
	verb := ""
	if r.DryRun {
		verb = " (dry run: nothing changed; counts are what a real run would do)"
	}
	fmt.Fprintf(e.stdout, "sweep run %d%s\nwindow   %s .. %s\nlisted   %d objects in %d API calls\n",
		r.RunID, verb, r.WindowFrom.Format(time.RFC3339), r.WindowTo.Format(time.RFC3339), r.ObjectsSeen, r.APICalls)
	fmt.Fprintf(e.stdout, "healed   %d\nmismatches opened %d, updated %d, resolved %d\n",
		r.Healed, r.MismatchesOpened, r.MismatchesUpdated, r.MismatchesResolved)
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(e.stdout, "  %-18s %d\n", k, r.ByKind[k])
	}
	fmt.Fprintf(e.stdout, "took     %d ms\n", r.DurationMS)
}
