package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

const plansUsage = `plans add|list

  plans add --code C --name N --amount 24900 --currency usd --interval year [--one-time]
      adds the plan, or updates the plan with that code; it renews as a
      subscription every interval unless --one-time (one payment, one
      interval of access)
  plans list [--json] [--active]
      the catalogue, cheapest first

Reads DATABASE_URL.`

// cmdPlans is `backstop plans add|list`.
func cmdPlans(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, args, "plans", plansUsage, []subcommand{{"add", plansAdd}, {"list", plansList}})
}

func plansAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plans add", "plans add --code C --name N --amount 24900 --currency usd --interval year [--one-time]")
	var p billing.Plan
	fs.StringVar(&p.Code, "code", "", "plan code, e.g. pro-yearly (lowercase letters, digits, dashes)")
	fs.StringVar(&p.Name, "name", "", "name shown to customers")
	fs.Int64Var(&p.Amount, "amount", 0, "price in minor units, e.g. 24900 for 249.00")
	fs.StringVar(&p.Currency, "currency", "usd", "ISO currency, 3 lowercase letters")
	fs.StringVar(&p.Interval, "interval", "", "billing interval: month or year")
	fs.BoolVar(&p.OneTime, "one-time", false, "sell one payment for one interval of access instead of a subscription")
	fs.BoolVar(&p.Active, "active", true, "customers can buy it; --active=false retires it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("plans add: unexpected argument %q", fs.Arg(0))
	}
	if err := validatePlan(p); err != nil {
		return fmt.Errorf("plans add:\n%w", err)
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UpsertPlan(ctx, p); err != nil {
		return err
	}
	if p.OneTime {
		fmt.Fprintf(e.stdout, "plan %s saved: %s, %s once for one %s of access\n", p.Code, p.Name, p.Price(), p.Interval)
	} else {
		fmt.Fprintf(e.stdout, "plan %s saved: %s, %s per %s, renewing as a subscription\n", p.Code, p.Name, p.Price(), p.Interval)
	}
	return nil
}

var planCode = regexp.MustCompile(`^[a-z0-9-]+$`)
var currencyCode = regexp.MustCompile(`^[a-z]{3}$`)

// validatePlan names every bad flag, one per line.
func validatePlan(p billing.Plan) error {
	var errs []error
	if !planCode.MatchString(p.Code) {
		errs = append(errs, fmt.Errorf("--code %q: use lowercase letters, digits and dashes", p.Code))
	}
	if strings.TrimSpace(p.Name) == "" {
		errs = append(errs, errors.New("--name is required"))
	}
	if p.Amount <= 0 {
		errs = append(errs, fmt.Errorf("--amount %d: must be more than 0 (minor units, e.g. 24900)", p.Amount))
	}
	if !currencyCode.MatchString(p.Currency) {
		errs = append(errs, fmt.Errorf("--currency %q: use 3 lowercase letters, e.g. usd", p.Currency))
	}
	if p.Interval != "month" && p.Interval != "year" {
		errs = append(errs, fmt.Errorf("--interval %q: use month or year", p.Interval))
	}
	return errors.Join(errs...)
}

func plansList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "plans list", "plans list [--json] [--active]")
	asJSON := fs.Bool("json", false, "print a JSON array of {code,name,amount,currency,interval,active}")
	activeOnly := fs.Bool("active", false, "only plans customers can buy now")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	plans, err := st.Plans(ctx, *activeOnly)
	if err != nil {
		return err
	}
	header := []string{"CODE", "NAME", "PRICE", "INTERVAL", "ACTIVE"}
	return printList(e.stdout, *asJSON, plans, header, func(p billing.Plan) []string {
		return []string{p.Code, p.Name, p.Price(), p.Interval, strconv.FormatBool(p.Active)}
	})
}

// openStoreFromEnv opens DATABASE_URL for the commands that need only the
// database, not the whole configuration.
func openStoreFromEnv(ctx context.Context, e *env) (*store.Store, error) {
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return nil, errors.New("DATABASE_URL is required")
	}
	return store.Open(ctx, url)
}
