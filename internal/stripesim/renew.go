package stripesim

import (
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/billing"
)

// cardFailsLater attaches (the first payment succeeds) but every later
// charge is declined, as Stripe's 4000 0000 0000 0341 does for renewals.
// The simulator lets it pay the first invoice so that a renewal can fail.
const cardFailsLater = "4000000000000341"

// Retries of a failed renewal, as Stripe's default schedule: the invoice
// is tried again every retryEvery, and after maxAttempts failed attempts
// the subscription is canceled unpaid.
const (
	retryEvery  = 2 * 24 * time.Hour
	maxAttempts = 4
)

func normalCard(number string) string { return strings.NewReplacer(" ", "", "-", "").Replace(number) }

// startSubscription turns a paid subscription-mode session into an active
// subscription with its first, paid invoice. The caller holds s.mu and has
// checked the card; it emits the payment's events, then
// customer.subscription.created and invoice.paid.
func (s *Server) startSubscription(rec *sessionRecord, card, email string) (*subscriptionRecord, *invoice, *charge) {
	now := s.now().Unix()
	it := rec.Items[0]
	sub := &subscription{
		ID: newID("sub_", 24), Object: "subscription", Created: now, Currency: rec.Session.Currency,
		CurrentPeriodStart: now, Customer: newID("cus_", 14), Metadata: cloneMap(rec.SubMetadata),
		StartDate: now, Status: "active",
	}
	sr := &subscriptionRecord{Sub: sub, Card: normalCard(card), Email: email, Amount: rec.Session.AmountTotal,
		Interval: it.Interval, Product: it.Name}
	sub.CurrentPeriodEnd = sr.periodEnd(now)
	sub.Items = subscriptionItems{Object: "list", URL: "/v1/subscription_items?subscription=" + sub.ID,
		Data: []subscriptionItem{{ID: newID("si_", 14), Object: "subscription_item", Price: sr.price(), Quantity: 1}}}
	s.st.Subscriptions.add(sr)
	inv := s.newInvoice(sr, "subscription_create", period{now, now}, period{now, sub.CurrentPeriodEnd})
	ch := s.chargeInvoice(sr, inv)
	s.emit(billing.EventSubscriptionCreated, sub, eventRequest{})
	s.emit(billing.EventInvoicePaid, inv, eventRequest{})
	return sr, inv, ch
}

func (r *subscriptionRecord) periodEnd(from int64) int64 {
	t := time.Unix(from, 0).UTC()
	switch r.Interval {
	case "day":
		t = t.AddDate(0, 0, 1)
	case "week":
		t = t.AddDate(0, 0, 7)
	case "month":
		t = t.AddDate(0, 1, 0)
	default:
		t = t.AddDate(1, 0, 0)
	}
	return t.Unix()
}

func (r *subscriptionRecord) price() subscriptionPrice {
	return subscriptionPrice{ID: "price_" + r.Sub.ID[4:], Object: "price", Currency: r.Sub.Currency,
		Recurring: recurring{Interval: r.Interval, IntervalCount: 1}, Type: "recurring", UnitAmount: r.Amount}
}

// newInvoice opens an invoice of sr: billed is the invoice's own period,
// service the one its line (and its payment) pays for.
func (s *Server) newInvoice(sr *subscriptionRecord, reason string, billed, service period) *invoice {
	now := s.now().Unix()
	sub := sr.Sub
	inv := &invoice{
		ID: newID("in_", 24), Object: "invoice", AmountDue: sr.Amount, AmountRemaining: sr.Amount,
		BillingReason: reason, Created: now, Currency: sub.Currency, Customer: sub.Customer,
		CustomerEmail: optional(sr.Email), Metadata: map[string]string{},
		PeriodStart: billed.Start, PeriodEnd: billed.End, Status: "open",
		StatusTransitions: map[string]*int64{"finalized_at": ptr(now), "paid_at": nil},
		Subscription:      &sub.ID, SubscriptionDetails: &invoiceSubscriptionDetails{Metadata: cloneMap(sub.Metadata)},
		Total: sr.Amount,
	}
	inv.HostedInvoiceURL = ptr(s.opts.PublicURL + "/invoice/" + inv.ID)
	if s.opts.PublicURL == "" {
		inv.HostedInvoiceURL = ptr("https://invoice.stripe.com/i/" + inv.ID)
	}
	inv.Lines = invoiceLines{Object: "list", URL: "/v1/invoices/" + inv.ID + "/lines", Data: []invoiceLine{{
		ID: newID("il_", 24), Object: "line_item", Amount: sr.Amount, Currency: sub.Currency,
		Description: "1 × " + sr.Product, Period: service, Price: sr.price(), Quantity: 1, Type: "subscription",
	}}}
	s.st.Invoices.add(inv)
	sub.LatestInvoice = &inv.ID
	s.dirty = true
	return inv
}

// chargeInvoice pays inv with the subscription's card: the payment intent
// and charge carry the invoice, as at Stripe, and no metadata of ours.
func (s *Server) chargeInvoice(sr *subscriptionRecord, inv *invoice) *charge {
	pi := s.invoiceIntent(sr, inv)
	ch := s.succeed(pi, payer{billing: sr.Email, last4: last4Of(sr.Card)})
	ch.Invoice = &inv.ID
	now := s.now().Unix()
	inv.Status, inv.Paid, inv.AmountPaid, inv.AmountRemaining = "paid", true, inv.AmountDue, 0
	inv.Attempted, inv.AttemptCount, inv.NextPaymentAttempt = true, inv.AttemptCount+1, nil
	inv.Charge = &ch.ID
	inv.StatusTransitions["paid_at"] = ptr(now)
	return ch
}

func (s *Server) invoiceIntent(sr *subscriptionRecord, inv *invoice) *paymentIntent {
	if pi, ok := s.st.PaymentIntents.get(deref(inv.PaymentIntent)); ok {
		return pi
	}
	pi := s.newIntent(inv.AmountDue, inv.Currency, "", nil)
	pi.Invoice, pi.Customer = &inv.ID, &sr.Sub.Customer
	pi.Description = ptr("Subscription update")
	if inv.BillingReason == "subscription_create" {
		pi.Description = ptr("Subscription creation")
	}
	inv.PaymentIntent = &pi.ID
	return pi
}

// attemptInvoice tries to collect an open invoice with the card on file:
// paid emits the payment's events, invoice.paid and, for a subscription
// that was past due, customer.subscription.updated back to active; a
// decline emits payment_intent.payment_failed and invoice.payment_failed,
// schedules the next attempt, and after the last one cancels the
// subscription unpaid. It reports whether the invoice was paid.
func (s *Server) attemptInvoice(sr *subscriptionRecord, inv *invoice) bool {
	sub := sr.Sub
	if err := checkRenewalCard(sr.Card); err != nil {
		pi := s.invoiceIntent(sr, inv)
		pi.Status, pi.LastPaymentError = "requires_payment_method", &err.Body
		inv.Attempted, inv.AttemptCount = true, inv.AttemptCount+1
		inv.NextPaymentAttempt = ptr(s.now().Add(retryEvery).Unix())
		last := inv.AttemptCount >= maxAttempts
		if last {
			inv.NextPaymentAttempt = nil
		}
		s.emit(billing.EventPaymentFailed, pi, eventRequest{})
		s.emit(billing.EventInvoicePaymentFailed, inv, eventRequest{})
		switch {
		case last:
			s.endSubscription(sr)
		case sub.Status != "past_due":
			sub.Status = "past_due"
			s.emit(billing.EventSubscriptionUpdated, sub, eventRequest{})
		}
		s.dirty = true
		return false
	}
	s.chargeInvoice(sr, inv)
	s.emit(billing.EventInvoicePaid, inv, eventRequest{})
	if sub.Status == "past_due" {
		sub.Status = "active"
		s.emit(billing.EventSubscriptionUpdated, sub, eventRequest{})
	}
	return true
}

// checkRenewalCard is checkCard for a charge made without the customer:
// the attach-then-fail card declines here.
func checkRenewalCard(card string) *apiError {
	if normalCard(card) == cardFailsLater {
		return cardDeclined("card_declined", "Your card was declined.")
	}
	return checkCard(card)
}

// endSubscription cancels sr now, with customer.subscription.deleted.
func (s *Server) endSubscription(sr *subscriptionRecord) {
	now := s.now().Unix()
	sr.Sub.Status, sr.Sub.CanceledAt, sr.Sub.EndedAt = "canceled", ptr(now), ptr(now)
	s.emit(billing.EventSubscriptionDeleted, sr.Sub, eventRequest{})
	s.dirty = true
}

// renew starts the next period of an active subscription whose period has
// ended, or ends it when it was set to cancel at the period's end.
func (s *Server) renew(sr *subscriptionRecord) (paid bool) {
	sub := sr.Sub
	if sub.CancelAtPeriodEnd {
		s.endSubscription(sr)
		return false
	}
	billed := period{sub.CurrentPeriodStart, sub.CurrentPeriodEnd}
	sub.CurrentPeriodStart = sub.CurrentPeriodEnd
	sub.CurrentPeriodEnd = sr.periodEnd(sub.CurrentPeriodStart)
	inv := s.newInvoice(sr, "subscription_cycle", billed, period{sub.CurrentPeriodStart, sub.CurrentPeriodEnd})
	s.emit(billing.EventSubscriptionUpdated, sub, eventRequest{})
	return s.attemptInvoice(sr, inv)
}

// advanceResult is what POST /_sim/clock/advance answers.
type advanceResult struct {
	Now     int64 `json:"now"`
	Renewed int   `json:"renewed"`
	Failed  int   `json:"failed"`
}

// advance moves the clock by d, stopping at every period end and retry
// that falls inside, in time order, so that each renewal, retry and
// cancellation happens at its own moment with its own timestamps.
func (s *Server) advance(d time.Duration) advanceResult {
	target := s.now().Add(d).Unix()
	var res advanceResult
	for {
		at, act := s.nextDue(target)
		if act == nil {
			break
		}
		s.setClock(at)
		paid, attempted := act()
		if paid {
			res.Renewed++
		} else if attempted {
			res.Failed++
		}
	}
	s.setClock(target)
	s.expireDue()
	res.Now = s.now().Unix()
	return res
}

// setClock moves the clock to the unix second at (never backwards).
func (s *Server) setClock(at int64) {
	if delta := time.Duration(at-s.now().Unix()) * time.Second; delta > 0 {
		s.st.ClockOffset += delta
		s.dirty = true
	}
}

// nextDue finds the earliest period end or invoice retry at or before
// target and what to do then (paid: an invoice got paid; attempted: a
// payment was tried and failed).
func (s *Server) nextDue(target int64) (int64, func() (paid, attempted bool)) {
	best := target + 1
	var act func() (bool, bool)
	for _, sr := range s.st.Subscriptions.items {
		sub := sr.Sub
		if sub.Status == "active" && sub.CurrentPeriodEnd < best {
			best, act = sub.CurrentPeriodEnd, func() (bool, bool) {
				cancel := sr.Sub.CancelAtPeriodEnd
				paid := s.renew(sr)
				return paid, !paid && !cancel
			}
		}
	}
	for _, inv := range s.st.Invoices.items {
		if inv.Status != "open" || inv.NextPaymentAttempt == nil || *inv.NextPaymentAttempt >= best {
			continue
		}
		sr, ok := s.st.Subscriptions.get(deref(inv.Subscription))
		if !ok || sr.Sub.Status == "canceled" {
			continue
		}
		best, act = *inv.NextPaymentAttempt, func() (bool, bool) {
			paid := s.attemptInvoice(sr, inv)
			return paid, !paid
		}
	}
	return best, act
}
