package cli

import (
	"context"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// cmdSubscriptions is `backstop subscriptions [--email E] --json`.
func cmdSubscriptions(ctx context.Context, e *env, args []string) error {
	about := "Every subscription, oldest first, with the processor's status and period as last read,\n" +
		"the access it gives, and each invoice with whether it was granted. Reads DATABASE_URL."
	header := []string{"ID", "EMAIL", "PLAN", "STATUS", "PERIOD END", "ACCESS UNTIL", "INVOICES"}
	return listByEmail(ctx, e, args, "subscriptions", about, (*store.Store).Subscriptions, header, subscriptionCells)
}

func subscriptionCells(s store.SubscriptionRow) []string {
	granted := 0
	for _, in := range s.Invoices {
		if in.Granted {
			granted++
		}
	}
	return []string{s.ID, s.Email, s.Plan, s.Status, day(s.CurrentPeriodEnd), day(s.AccessUntil),
		strconv.Itoa(granted) + " of " + strconv.Itoa(len(s.Invoices)) + " granted"}
}

func day(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.DateTime)
}
