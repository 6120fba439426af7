package cli

import (
	"context"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// cmdOrders is `backstop orders [--email E] --json`.
func cmdOrders(ctx context.Context, e *env, args []string) error {
	header := []string{"ID", "REFERENCE", "EMAIL", "PLAN", "STATUS", "VIA", "CREATED"}
	return listByEmail(ctx, e, args, "orders", "Every order, oldest first. Reads DATABASE_URL.",
		(*store.Store).Orders, header, func(o store.OrderRow) []string {
			return []string{strconv.FormatInt(o.ID, 10), o.PublicRef, o.Email, o.Plan, o.Status,
				orDash(o.FulfilledVia), o.CreatedAt.UTC().Format(time.DateTime)}
		})
}
