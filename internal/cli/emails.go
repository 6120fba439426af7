package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// emailRow is one line of `backstop emails --json`, exactly as DESIGN
// section 12 names it: one row per logical email, however many attempts.
type emailRow struct {
	ID        int64      `json:"id"`
	Template  string     `json:"template"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Status    string     `json:"status"`
	OrderID   *int64     `json:"order_id"`
	DedupeKey string     `json:"dedupe_key"`
	MessageID string     `json:"message_id"`
	Attempts  int        `json:"attempts"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// cmdEmails is `backstop emails [--to E] [--json]`.
func cmdEmails(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "emails", "emails [--to E] [--json]\n\nEvery email queued, oldest first. Reads DATABASE_URL.")
	to := fs.String("to", "", "only emails to this address (case-insensitive)")
	asJSON := fs.Bool("json", false, "print a JSON array of {id,template,to,subject,status,order_id,dedupe_key,message_id,attempts,created_at,sent_at}")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("emails: unexpected argument %q", fs.Arg(0))
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	msgs, err := st.EmailMessages(ctx, store.EmailFilter{To: *to})
	if err != nil {
		return err
	}
	rows := make([]emailRow, 0, len(msgs))
	for _, m := range msgs {
		rows = append(rows, toEmailRow(m))
	}
	header := []string{"ID", "CREATED", "STATUS", "TRIES", "TEMPLATE", "TO", "SUBJECT"}
	return printList(e.stdout, *asJSON, rows, header, func(r emailRow) []string {
		return []string{strconv.FormatInt(r.ID, 10), r.CreatedAt.Format(time.DateTime), r.Status,
			strconv.Itoa(r.Attempts), r.Template, r.To, r.Subject}
	})
}

func toEmailRow(m store.EmailMessage) emailRow {
	r := emailRow{
		ID: m.ID, Template: m.Template, To: m.To, Subject: m.Subject, Status: m.Status,
		OrderID: m.OrderID, DedupeKey: m.DedupeKey, MessageID: m.MessageID,
		Attempts: m.Attempts, CreatedAt: m.CreatedAt.UTC(),
	}
	if m.SentAt != nil {
		sent := m.SentAt.UTC()
		r.SentAt = &sent
	}
	return r
}
