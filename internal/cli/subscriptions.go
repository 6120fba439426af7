package cli

import (
	"context"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// cmdSubscriptions is `backstop subscriptions [--email E] --json`.
func cmdSubscriptions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "subscriptions", "subscriptions [--email E] [--json]\n\n"+
		"Every subscription, oldest first, with the processor's status and period as last read,\n"+
		"the access it gives, and each invoice with whether it was granted. Reads DATABASE_URL.")
	email := fs.String("email", "", "only the subscriptions of this email (case-insensitive)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Subscriptions(ctx, *email)
	if err != nil {
		return err
	}
	header := []string{"ID", "EMAIL", "PLAN", "STATUS", "PERIOD END", "ACCESS UNTIL", "INVOICES"}
	return printList(e.stdout, *asJSON, rows, header, func(s store.SubscriptionRow) []string {
		granted := 0
		for _, in := range s.Invoices {
			if in.Granted {
				granted++
			}
		}
		return []string{s.ID, s.Email, s.Plan, s.Status, day(s.CurrentPeriodEnd), day(s.AccessUntil),
			strconv.Itoa(granted) + " of " + strconv.Itoa(len(s.Invoices)) + " granted"}
	})
}

func day(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.DateTime)
}
