package console

import (
	"context"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// CustomerSubscription is one subscription on the customer page: ours as
// `backstop subscriptions` lists it, each invoice with what it granted,
// and the processor's subscription asked for the page.
type CustomerSubscription struct {
	store.SubscriptionRow
	Bills []CustomerInvoice
	// Live is the processor's subscription now; nil when it was not
	// asked (the page's budget ran out) or could not be reached.
	Live    *billing.Subscription
	Missing bool // the processor has no such subscription
}

// CustomerInvoice is one invoice of a subscription with what it granted.
type CustomerInvoice struct {
	store.CustomerInvoice
	// GraceEnd is when a failed renewal's kept access ends
	// (billing.GraceEnd); zero when the invoice has no period.
	GraceEnd time.Time
}

// Granted reports whether the invoice has its grant.
func (in CustomerInvoice) Granted() bool { return in.GrantedUntil != nil }

// customerSubscriptions reads the customer's subscriptions and all their
// invoices, in two queries, whatever their number.
func (s *Service) customerSubscriptions(ctx context.Context, f *CustomerFile) error {
	subs, err := s.store.CustomerSubscriptions(ctx, f.Email)
	if err != nil || len(subs) == 0 {
		return err
	}
	bills, err := s.store.CustomerInvoices(ctx, f.Email)
	if err != nil {
		return err
	}
	bySub := map[string][]CustomerInvoice{}
	for _, b := range bills {
		in := CustomerInvoice{CustomerInvoice: b}
		if b.PeriodStart != nil {
			in.GraceEnd = billing.GraceEnd(*b.PeriodStart, s.renewalGrace)
		}
		bySub[b.SubscriptionID] = append(bySub[b.SubscriptionID], in)
	}
	for _, sub := range subs {
		f.Subscriptions = append(f.Subscriptions, CustomerSubscription{SubscriptionRow: sub, Bills: bySub[sub.ID]})
	}
	return nil
}

// liveSubscriptions asks the processor about each subscription once, the
// first of the page's live calls, and reports how many it asked. It stops
// at the first failure.
func (s *Service) liveSubscriptions(ctx context.Context, f *CustomerFile) int {
	asked := 0
	for i := range f.Subscriptions {
		if asked >= liveObjects {
			break
		}
		sub := &f.Subscriptions[i]
		asked++
		live, err := s.proc.GetSubscription(ctx, sub.ID)
		switch {
		case err == nil:
			sub.Live = &live
		case apperr.Is(err, apperr.NotFound):
			sub.Missing = true
		default:
			s.log.WarnContext(ctx, "console: processor unreachable", "subscription", sub.ID, "err", err)
			f.Unreachable = true
			return asked
		}
	}
	return asked
}
