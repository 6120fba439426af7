package cli

import (
	"context"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// cmdOrders is `backstop orders [--email E] --json`.
func cmdOrders(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "orders", "orders [--email E] [--json]\n\nEvery order, oldest first. Reads DATABASE_URL.")
	email := fs.String("email", "", "only the orders of this email (case-insensitive)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	rows, err := st.Orders(ctx, *email)
	if err != nil {
		return err
	}
	header := []string{"ID", "REFERENCE", "EMAIL", "PLAN", "STATUS", "VIA", "CREATED"}
	return printList(e.stdout, *asJSON, rows, header, func(o store.OrderRow) []string {
		return []string{strconv.FormatInt(o.ID, 10), o.PublicRef, o.Email, o.Plan, o.Status,
			orDash(o.FulfilledVia), o.CreatedAt.UTC().Format(time.DateTime)}
	})
}
