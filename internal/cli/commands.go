package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/backstophq/backstop/internal/store"
)

// command is one `backstop` subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is the whole command surface, in the order `help` prints it.
func commands() []command {
	return []command{
		{"dev", "everything local with no configuration: PostgreSQL, simulator, mailbox, web and workers", cmdDev},
		{"serve", "web and workers from the environment", cmdServe},
		{"worker", "workers only, for a second machine", cmdWorker},
		{"sim", "the Stripe simulator alone", cmdSim},
		{"migrate", "apply or show our migrations and River's: migrate [up|status]", cmdMigrate},
		{"plans", "the plan catalogue: plans add|list", cmdPlans},
		{"orders", "orders as a table or JSON: orders [--email E] [--json]", cmdOrders},
		{"subscriptions", "subscriptions with their invoices: subscriptions [--email E] [--json]", cmdSubscriptions},
		{"emails", "every email queued, with its delivery status: emails [--to E] [--json]", cmdEmails},
		{"reconcile", "one reconciliation sweep now: reconcile [--lookback 72h] [--dry-run] [--json]", cmdReconcile},
		{"mismatches", "what reconciliation queued for a person: mismatches [--status open] [--json]", cmdMismatches},
		{"incident", "incident mode for an outage's window: incident plan|run --from T --to T [--no-apology] [--json]", cmdIncident},
		{"staff", "staff logins for the console: staff add --email E --role support|admin", cmdStaff},
		{"fallback-page", "print the static error page for a reverse proxy", cmdFallbackPage},
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: backstop <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'backstop <command> --help' for a command's flags.")
}

// newFlags returns a flag set that prints its usage to e.stderr and returns
// errors instead of exiting, so `--help` works the same in tests.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: backstop %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; `--help` prints usage and yields errHelpShown,
// which run treats as success.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == flag.ErrHelp {
		return errHelpShown
	}
	return err
}

// subcommand is one verb of a command with verbs (plans add, staff add).
type subcommand struct {
	name string
	run  func(ctx context.Context, e *env, args []string) error
}

// runSubcommand runs the verb args[0] names, or prints usage.
func runSubcommand(ctx context.Context, e *env, args []string, cmd, usage string, subs []subcommand) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	verbs := strings.Join(names, " or ")
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "usage: backstop %s\n", usage)
		return fmt.Errorf("%s: name a subcommand: %s", cmd, verbs)
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, e, args[1:])
		}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stderr, "usage: backstop %s\n", usage)
		return errHelpShown
	}
	return fmt.Errorf("%s: unknown subcommand %q: use %s", cmd, args[0], verbs)
}

// printList prints a command's rows as a JSON array for scripts, or as an
// aligned table for people: header names the columns, cells gives a row's.
func printList[T any](w io.Writer, asJSON bool, rows []T, header []string, cells func(T) []string) error {
	if asJSON {
		return printJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(cells(r), "\t"))
	}
	return tw.Flush()
}

// printJSON writes v as indented JSON, the form scripts read.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// listByEmail runs a read-only list command that takes --email and --json
// (orders, subscriptions): what the command lists, optionally only one
// email's, from list, printed by printList. about follows the usage line in
// the help.
func listByEmail[T any](ctx context.Context, e *env, args []string, name, about string,
	list func(*store.Store, context.Context, string) ([]T, error), header []string, cells func(T) []string) error {
	fs := newFlags(e, name, name+" [--email E] [--json]\n\n"+about)
	email := fs.String("email", "", "only the "+name+" of this email (case-insensitive)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := list(st, ctx, *email)
	if err != nil {
		return err
	}
	return printList(e.stdout, *asJSON, rows, header, cells)
}
