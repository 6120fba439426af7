package main

import (
	"context"
	"fmt"
	"text/tabwriter"
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
	if *asJSON {
		return printJSON(e.stdout, rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREFERENCE\tEMAIL\tPLAN\tSTATUS\tVIA\tCREATED")
	for _, o := range rows {
		via := "-"
		if o.FulfilledVia != nil {
			via = *o.FulfilledVia
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.PublicRef, o.Email, o.Plan, o.Status, via, o.CreatedAt.UTC().Format("2006-01-02 15:04:05"))
	}
	return tw.Flush()
}
