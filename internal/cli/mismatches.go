package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// mismatchRow is one element of `backstop mismatches --json`, exactly as
// DESIGN section 12 names it.
type mismatchRow struct {
	ID              int64      `json:"id"`
	Kind            string     `json:"kind"`
	Status          string     `json:"status"`
	Email           *string    `json:"email"`
	OrderID         *int64     `json:"order_id"`
	PaymentIntentID *string    `json:"payment_intent_id"`
	ChargeID        *string    `json:"charge_id"`
	Amount          *int64     `json:"amount"`
	Currency        *string    `json:"currency"`
	DetectedAt      time.Time  `json:"detected_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	Resolution      *string    `json:"resolution"`
}

var mismatchStatuses = []string{"open", "auto_resolved", "resolved", "dismissed"}

// cmdMismatches is `backstop mismatches [--status open] [--json]`.
func cmdMismatches(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "mismatches", "mismatches [--status open] [--json]\n\n"+
		"What reconciliation queued for a person, urgent first, then newest. Reads DATABASE_URL.")
	status := fs.String("status", "", "only this status: open, auto_resolved, resolved or dismissed")
	asJSON := fs.Bool("json", false, "print a JSON array of {id,kind,status,email,order_id,payment_intent_id,charge_id,amount,currency,detected_at,resolved_at,resolution}")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("mismatches: unexpected argument %q", fs.Arg(0))
	}
	if *status != "" && !slices.Contains(mismatchStatuses, *status) {
		return fmt.Errorf("mismatches: --status must be one of open, auto_resolved, resolved, dismissed; got %q", *status)
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	ms, err := st.Mismatches(ctx, store.MismatchFilter{Status: *status})
	if err != nil {
		return err
	}
	rows := make([]mismatchRow, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, toMismatchRow(m))
	}
	header := []string{"ID", "DETECTED", "STATUS", "KIND", "EMAIL", "PAYMENT", "AMOUNT"}
	return printList(e.stdout, *asJSON, rows, header, func(r mismatchRow) []string {
		return []string{strconv.FormatInt(r.ID, 10), r.DetectedAt.Format(time.DateTime), r.Status, r.Kind,
			orDash(r.Email), orDash(r.PaymentIntentID), minorUnits(r.Amount, r.Currency)}
	})
}

func toMismatchRow(m store.Mismatch) mismatchRow {
	r := mismatchRow{
		ID: m.ID, Kind: m.Kind, Status: m.Status, Email: m.Email, OrderID: m.OrderID,
		PaymentIntentID: m.PaymentIntentID, ChargeID: m.ChargeID, Amount: m.Amount, Currency: m.Currency,
		DetectedAt: m.DetectedAt.UTC(), Resolution: m.Resolution,
	}
	if m.ResolvedAt != nil {
		at := m.ResolvedAt.UTC()
		r.ResolvedAt = &at
	}
	return r
}

func orDash(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func minorUnits(amount *int64, currency *string) string {
	if amount == nil || currency == nil {
		return "-"
	}
	return fmt.Sprintf("%d %s", *amount, *currency)
}
