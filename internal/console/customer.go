package console

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// CustomerFile is the customer page: "what happened to this customer,
// and what do I click", for one email address.
type CustomerFile struct {
	Email   string
	Account *store.CaseAccount // nil when never served
	Grants  []store.CustomerGrant
	// Subscriptions are the customer's, oldest first, each with its
	// invoices and the processor's subscription asked live.
	Subscriptions []CustomerSubscription
	Mismatches    []OpenMismatch
	Timeline      []store.CustomerItem
	// Emails are the rendered emails of this timeline page, by id.
	Emails map[int64]store.EmailMessage
	// Payments is the processor's live state of the payments on this
	// page, by payment intent id, fetched once for the page.
	Payments  map[string]LivePayment
	FetchedAt time.Time
	// Unreachable is set when the processor did not answer in time, for
	// a subscription or a payment.
	Unreachable bool
	// Next is the cursor of the next (older) page, "" on the last.
	Next  string
	After string // the cursor this page started after
}

// OpenMismatch is an open mismatch about the customer, in words.
type OpenMismatch struct {
	store.CustomerMismatch
	Label  string
	Advice string
}

// LivePayment is what the processor says of one payment now.
type LivePayment struct {
	Payment *billing.Payment
	Charge  *billing.Charge
	Missing bool // the processor has no such payment
}

// timelinePage is how many items one page of the timeline shows.
const timelinePage = 50

// liveObjects bounds the subscriptions and payments one page asks the
// processor about, together, within the rate budget every processor call
// shares: subscriptions first, then the newest payments.
const liveObjects = 5

// Customer reads the customer page of email, the timeline page after the
// cursor after ("" for the newest). Errors: Invalid for a cursor that is
// not ours; NotFound when we hold nothing about the address.
func (s *Service) Customer(ctx context.Context, email, after string) (CustomerFile, error) {
	cur, err := parseTimelineCursor(after)
	if err != nil {
		return CustomerFile{}, err
	}
	f := CustomerFile{Email: strings.ToLower(strings.TrimSpace(email)), After: after}
	a, err := s.store.CaseAccount(ctx, 0, f.Email)
	switch {
	case err == nil:
		f.Account = &a
	case !apperr.Is(err, apperr.NotFound):
		return CustomerFile{}, err
	}
	items, next, err := s.store.CustomerTimeline(ctx, f.Email, cur, timelinePage)
	if err != nil {
		return CustomerFile{}, err
	}
	if f.Account == nil && len(items) == 0 && cur == nil {
		return CustomerFile{}, apperr.New(apperr.NotFound, "We hold nothing about "+f.Email+": no order, account, email or mismatch.")
	}
	f.Timeline, f.Next = items, encodeTimelineCursor(next)
	if f.Grants, err = s.store.CustomerGrants(ctx, f.Email); err != nil {
		return CustomerFile{}, err
	}
	open, err := s.store.CustomerOpenMismatches(ctx, f.Email)
	if err != nil {
		return CustomerFile{}, err
	}
	for _, m := range open {
		adv := Explain(store.MismatchSummary{ID: m.ID, Kind: m.Kind, Status: "open", Amount: m.Amount, Currency: m.Currency,
			DetectedAt: m.DetectedAt}, s.now())
		f.Mismatches = append(f.Mismatches, OpenMismatch{CustomerMismatch: m, Label: KindLabel(m.Kind), Advice: adv.Action})
	}
	if err := s.customerSubscriptions(ctx, &f); err != nil {
		return CustomerFile{}, err
	}
	if err := s.pageEmails(ctx, &f); err != nil {
		return CustomerFile{}, err
	}
	s.liveFacts(ctx, &f)
	return f, nil
}

// pageEmails reads the rendered emails of the page's email items, in one
// query.
func (s *Service) pageEmails(ctx context.Context, f *CustomerFile) error {
	var ids []int64
	for _, it := range f.Timeline {
		if it.Source == "email" {
			ids = append(ids, it.ItemID)
		}
	}
	list, err := s.store.EmailMessagesByID(ctx, ids)
	if err != nil {
		return err
	}
	f.Emails = make(map[int64]store.EmailMessage, len(list))
	for _, m := range list {
		f.Emails[m.ID] = m
	}
	return nil
}

// liveFacts asks the processor about the customer's subscriptions, then
// the newest payments on the page, once each and within one live timeout
// for all of them; it stops at the first failure, as the mismatch page
// does.
func (s *Service) liveFacts(ctx context.Context, f *CustomerFile) {
	f.Payments = map[string]LivePayment{}
	ctx, cancel := context.WithTimeout(ctx, s.liveTimeout)
	defer cancel()
	if asked := s.liveSubscriptions(ctx, f); !f.Unreachable {
		s.livePayments(ctx, f, liveObjects-asked)
	}
	f.FetchedAt = s.now()
}

// livePayments asks the processor about at most budget payments on the
// page, newest first.
func (s *Service) livePayments(ctx context.Context, f *CustomerFile, budget int) {
	for _, it := range f.Timeline {
		pi := it.Ref
		if it.Source != "payment" || pi == "" || len(f.Payments) >= budget {
			continue
		}
		if _, done := f.Payments[pi]; done {
			continue
		}
		p, err := s.proc.GetPaymentIntent(ctx, pi)
		if apperr.Is(err, apperr.NotFound) {
			f.Payments[pi] = LivePayment{Missing: true}
			continue
		}
		if err != nil {
			s.log.WarnContext(ctx, "console: processor unreachable", "payment_intent", pi, "err", err)
			f.Unreachable = true
			break
		}
		lp := LivePayment{Payment: &p}
		if ch := orElse(p.LatestChargeID, it.Detail); ch != "" {
			c, err := s.proc.GetCharge(ctx, ch)
			if err == nil {
				lp.Charge = &c
			} else if !apperr.Is(err, apperr.NotFound) {
				f.Unreachable = true
			}
		}
		f.Payments[pi] = lp
	}
}

var errBadCursor = apperr.New(apperr.Invalid, "That page link is broken. Go back to the customer's first page.")

func encodeTimelineCursor(c *store.TimelineCursor) string {
	if c == nil {
		return ""
	}
	raw := c.At.UTC().Format(time.RFC3339Nano) + "|" + c.Source + "|" + c.Key
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func parseTimelineCursor(s string) (*store.TimelineCursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 {
		return nil, errBadCursor
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return nil, errBadCursor
	}
	return &store.TimelineCursor{At: at, Source: parts[1], Key: parts[2]}, nil
}

// SearchResult is what a search found: the customers its matches belong
// to, and the matches that name nobody (a payment without an email).
type SearchResult struct {
	Query   string
	Matches []store.CustomerMatch
	// Customers are the distinct emails matched, newest first.
	Customers []string
	// Landing is the one customer to go to straight away, or "".
	Landing string
}

// Search finds the customer a pasted key names (store.SearchCustomers).
// A key that matches one customer only lands on their page.
func (s *Service) Search(ctx context.Context, q string) (SearchResult, error) {
	q = strings.TrimSpace(q)
	if len(q) > 320 {
		return SearchResult{}, apperr.New(apperr.Invalid, "That is longer than any email or reference. Paste just the one key.")
	}
	r := SearchResult{Query: q}
	var err error
	if r.Matches, err = s.store.SearchCustomers(ctx, q); err != nil {
		return SearchResult{}, err
	}
	seen, nameless := map[string]bool{}, false
	for _, m := range r.Matches {
		if m.Email == "" {
			nameless = true
			continue
		}
		if !seen[m.Email] {
			seen[m.Email] = true
			r.Customers = append(r.Customers, m.Email)
		}
	}
	if len(r.Customers) == 1 && !nameless {
		r.Landing = r.Customers[0]
	}
	return r, nil
}

// ViaWords says what kind of key matched, for the list of matches.
func ViaWords(via string) string {
	switch via {
	case "email":
		return "email address"
	case "public_ref":
		return "order reference"
	case "error_ref":
		return "error page reference"
	case "order_id":
		return "order id"
	case "payment_intent":
		return "payment id"
	case "charge":
		return "charge id"
	case "checkout_session":
		return "checkout id"
	}
	return fmt.Sprint(via)
}

// OrderEventWords says what an order event of kind means, when we have
// words for it.
func OrderEventWords(kind string) (string, bool) {
	w, ok := orderEventWords[kind]
	return w, ok
}
