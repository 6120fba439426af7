package console

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// PageSize is how many mismatches one page of the queue lists.
const PageSize = 25

// QueueFilter is the queue's filters as they travel in a link, so a
// filtered view is a URL one person can send the other. The zero value is
// the default view: every open mismatch.
type QueueFilter struct {
	Kind    string // one of billing.Kinds, or "" for any
	Status  string // open (the default), auto_resolved, resolved, dismissed or all
	Claimed string // "" for anyone, "me", "nobody", or a staff email
	Age     string // "" for any, or older than 1h, 24h or 7d
	After   string // the cursor of the page's last row; "" for the first page
}

// Statuses are the queue's status filter values, the default first.
var Statuses = []string{"open", "auto_resolved", "resolved", "dismissed", "all"}

// Ages are the queue's age filter values with how old a mismatch must be.
var Ages = []struct {
	Value string
	Older time.Duration
}{{"1h", time.Hour}, {"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}}

// ParseQueueFilter reads the filters from get (a query string's values),
// or returns an apperr Invalid that names the one it does not know.
func ParseQueueFilter(get func(key string) string) (QueueFilter, error) {
	f := QueueFilter{
		Kind: strings.TrimSpace(get("kind")), Status: strings.TrimSpace(get("status")),
		Claimed: strings.TrimSpace(get("claimed")), Age: strings.TrimSpace(get("age")), After: get("after"),
	}
	if f.Status == "" {
		f.Status = "open"
	}
	if f.Claimed == "anyone" {
		f.Claimed = ""
	}
	switch {
	case f.Kind != "" && !slices.Contains(billing.Kinds, f.Kind):
		return QueueFilter{}, invalidFilter("kind", f.Kind)
	case !slices.Contains(Statuses, f.Status):
		return QueueFilter{}, invalidFilter("status", f.Status)
	case f.Age != "" && older(f.Age) == 0:
		return QueueFilter{}, invalidFilter("age", f.Age)
	case len(f.Claimed) > 254 || (f.Claimed != "" && f.Claimed != "me" && f.Claimed != "nobody" && !strings.Contains(f.Claimed, "@")):
		return QueueFilter{}, invalidFilter("claimed by", f.Claimed)
	}
	if _, err := parseCursor(f.After); err != nil {
		return QueueFilter{}, err
	}
	return f, nil
}

func invalidFilter(name, value string) error {
	if len(value) > 40 {
		value = value[:40] + "…"
	}
	return apperr.New(apperr.Invalid, fmt.Sprintf("The queue has no %s filter %q. Start again from the queue's first page.", name, value))
}

func older(age string) time.Duration {
	for _, a := range Ages {
		if a.Value == age {
			return a.Older
		}
	}
	return 0
}

// Row is one mismatch of a list, with its words.
type Row struct {
	store.MismatchSummary
	Label  string
	Advice Advice
}

// QueuePage is one page of the queue.
type QueuePage struct {
	Filter QueueFilter
	Rows   []Row
	// Next is the cursor of the next page, "" on the last one.
	Next string
	// Me is the signed-in staff member, whom "claimed by me" means.
	Me string
	// OpenCount is every open mismatch, whatever the filters.
	OpenCount int
}

// Queue returns the page of the queue f asks for, me being who asks.
func (s *Service) Queue(ctx context.Context, f QueueFilter, me string) (QueuePage, error) {
	after, err := parseCursor(f.After)
	if err != nil {
		return QueuePage{}, err
	}
	q := store.QueueQuery{Kind: f.Kind, Status: f.Status, After: after, Limit: PageSize + 1}
	if q.Status == "all" {
		q.Status = ""
	}
	switch f.Claimed {
	case "":
	case "me":
		q.ClaimedBy = me
	case "nobody":
		q.Unclaimed = true
	default:
		q.ClaimedBy = f.Claimed
	}
	now := s.now()
	if d := older(f.Age); d > 0 {
		q.DetectedBefore = now.Add(-d)
	}
	found, err := s.store.MismatchQueue(ctx, q)
	if err != nil {
		return QueuePage{}, err
	}
	open, err := s.store.CountOpenMismatches(ctx)
	if err != nil {
		return QueuePage{}, err
	}
	page := QueuePage{Filter: f, Me: me, OpenCount: open, Rows: make([]Row, 0, min(len(found), PageSize))}
	if len(found) > PageSize {
		found = found[:PageSize]
		page.Next = formatCursor(found[PageSize-1].Key())
	}
	for _, m := range found {
		page.Rows = append(page.Rows, row(m, now))
	}
	return page, nil
}

func row(m store.MismatchSummary, now time.Time) Row {
	return Row{MismatchSummary: m, Label: KindLabel(m.Kind), Advice: Explain(m, now)}
}

// A cursor is "u.<unix microseconds>.<id>" for an urgent row and
// "n.<…>.<…>" for the others: the row's place in the queue, readable in a
// link and exact to PostgreSQL's precision.
func formatCursor(k store.QueueKey) string {
	u := "n"
	if k.Urgent {
		u = "u"
	}
	return u + "." + strconv.FormatInt(k.At.UnixMicro(), 10) + "." + strconv.FormatInt(k.ID, 10)
}

var errCursor = apperr.New(apperr.Invalid, "That page link is not one of ours. Start again from the queue's first page.")

func parseCursor(s string) (*store.QueueKey, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "u" && parts[0] != "n") {
		return nil, errCursor
	}
	at, err1 := strconv.ParseInt(parts[1], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return nil, errCursor
	}
	return &store.QueueKey{Urgent: parts[0] == "u", At: time.UnixMicro(at).UTC(), ID: id}, nil
}
