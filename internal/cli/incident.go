package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/incident"
	"github.com/backstophq/backstop/internal/store"
)

const incidentUsage = `incident plan|run

  incident plan --from T --to T [--json]
  incident run  --from T --to T [--no-apology] [--json]

Incident mode (DESIGN section 9) for a window of at most 3 days, T in RFC 3339
(e.g. 2026-12-01T10:02:00Z). plan lists the window at the processor and says
what a run would do, changing nothing else; run does it (one job per payment
through Fulfill, then one apology per affected customer) and waits until done.
Both are audited with actor cli.`

// cmdIncident is `backstop incident plan|run`.
func cmdIncident(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, args, "incident", incidentUsage,
		[]subcommand{{"plan", incidentPlan}, {"run", incidentRun}})
}

// incidentFlags are the flags both verbs take.
type incidentFlags struct {
	from, to   string
	asJSON     bool
	noApology  *bool
	fromT, toT time.Time
}

func parseIncidentFlags(e *env, verb string, args []string, withApology bool) (incidentFlags, error) {
	fs := newFlags(e, "incident "+verb, "incident "+verb+" --from T --to T [--json]")
	var f incidentFlags
	fs.StringVar(&f.from, "from", "", "the window's start, RFC 3339")
	fs.StringVar(&f.to, "to", "", "the window's end, RFC 3339 (at most 3 days after --from)")
	fs.BoolVar(&f.asJSON, "json", false, `print {"window_from","window_to","payments","by_action":{action:{"count","amount","done"}}}`)
	if withApology {
		f.noApology = fs.Bool("no-apology", false, "serve the payments but send no incident_apology")
	}
	if err := parseFlags(fs, args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("incident %s: unexpected argument %q", verb, fs.Arg(0))
	}
	var err error
	if f.fromT, err = parseInstant(fs, "from", f.from); err != nil {
		return f, err
	}
	f.toT, err = parseInstant(fs, "to", f.to)
	return f, err
}

func parseInstant(fs *flag.FlagSet, name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("%s: --%s is required (RFC 3339, e.g. 2026-12-01T10:02:00Z)", fs.Name(), name)
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fmt.Errorf("%s: --%s %q is not an RFC 3339 time (e.g. 2026-12-01T10:02:00Z)", fs.Name(), name, v)
	}
	return t, nil
}

func incidentPlan(ctx context.Context, e *env, args []string) error {
	f, err := parseIncidentFlags(e, "plan", args, false)
	if err != nil {
		return err
	}
	s, err := openIncidentStack(ctx, e, jobsNone)
	if err != nil {
		return err
	}
	defer s.close()
	sum, err := s.incidents.Plan(ctx, f.fromT, f.toT, "cli")
	if err != nil {
		return fmt.Errorf("incident plan: %w", err)
	}
	return printIncident(e, f.asJSON, false, sum, "planned (a dry run: nothing else changed)")
}

func incidentRun(ctx context.Context, e *env, args []string) error {
	f, err := parseIncidentFlags(e, "run", args, true)
	if err != nil {
		return err
	}
	s, err := openIncidentStack(ctx, e, jobsOnDemand)
	if err != nil {
		return err
	}
	defer s.close()
	sum, err := s.incidents.Plan(ctx, f.fromT, f.toT, "cli")
	if err != nil {
		return fmt.Errorf("incident run: %w", err)
	}
	if err := s.incidents.Run(ctx, sum.IncidentID, "cli", *f.noApology); err != nil {
		return fmt.Errorf("incident run: %w", err)
	}
	if sum, err = s.waitIncident(ctx, sum.IncidentID); err != nil {
		return fmt.Errorf("incident run: %w", err)
	}
	return printIncident(e, f.asJSON, true, sum, fmt.Sprintf("%s, %d apologies queued", sum.Status, sum.Apologies))
}

func openIncidentStack(ctx context.Context, e *env, mode jobMode) (*stack, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return openStackMode(ctx, cfg, logger, mode)
}

// waitIncident works the run's jobs in this process (a serve process may
// work some too) until the run is finished.
func (s *stack) waitIncident(ctx context.Context, id int64) (incident.Summary, error) {
	if err := s.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return incident.Summary{}, fmt.Errorf("start jobs: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		_ = s.jobs.Stop(stopCtx)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		in, err := s.store.Incident(ctx, id)
		if err != nil {
			return incident.Summary{}, err
		}
		if in.FinishedAt != nil {
			return s.incidents.Summary(ctx, id)
		}
		select {
		case <-ctx.Done():
			return incident.Summary{}, errors.New("interrupted; the run goes on in any running serve process")
		case <-tick.C:
		}
	}
}

// planCount is an action's entry in plan's JSON, which has no done count.
type planCount struct {
	Count  int   `json:"count"`
	Amount int64 `json:"amount"`
}

func printIncident(e *env, asJSON, withDone bool, sum incident.Summary, state string) error {
	if asJSON && withDone {
		return printJSON(e.stdout, sum)
	}
	if asJSON {
		by := map[string]planCount{}
		for a, c := range sum.ByAction {
			by[a] = planCount{Count: c.Count, Amount: c.Amount}
		}
		return printJSON(e.stdout, map[string]any{"window_from": sum.WindowFrom, "window_to": sum.WindowTo,
			"payments": sum.Payments, "by_action": by})
	}
	fmt.Fprintf(e.stdout, "incident %d: %s\nwindow   %s .. %s\npayments %d\n", sum.IncidentID, state,
		sum.WindowFrom.Format(time.RFC3339), sum.WindowTo.Format(time.RFC3339), sum.Payments)
	for _, a := range store.IncidentActionNames {
		c := sum.ByAction[a]
		fmt.Fprintf(e.stdout, "  %-14s %5d  %10d  done %d\n", a, c.Count, c.Amount, c.Done)
	}
	return nil
}
