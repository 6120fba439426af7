package stripesim

import (
	"github.com/backstophq/backstop/internal/billing"
	"net/http"
	"time"
)

// The read-only subscription and invoice endpoints Backstop lists and
// retrieves, and the control routes that move them.

func subscriptionListSpec() map[string]param {
	return withList(map[string]param{"status": pString(), "customer": pString()})
}

// listSubscriptions leaves canceled subscriptions out unless status=all
// or status=canceled asks for them, as Stripe does.
func (s *Server) listSubscriptions(c *call) (any, *apiError) {
	status := c.form.str("status")
	return listOf(s, c, &s.st.Subscriptions, "subscription", "/v1/subscriptions", func(r *subscriptionRecord) bool {
		switch status {
		case "":
			return r.Sub.Status != "canceled"
		case "all":
			return true
		}
		return r.Sub.Status == status
	})
}

func (s *Server) getSubscription(c *call) (any, *apiError) {
	rec, paths, err := s.subscriptionOf(c)
	if err != nil {
		return nil, err
	}
	return s.render(rec.Sub, paths), nil
}

// subscriptionOf is the subscription a call's path names, with the
// expansions it asks for.
func (s *Server) subscriptionOf(c *call) (*subscriptionRecord, []string, *apiError) {
	id := c.r.PathValue("id")
	rec, ok := s.st.Subscriptions.get(id)
	if !ok {
		return nil, nil, noSuch("subscription", id, "id")
	}
	paths := c.form.strings("expand")
	if err := checkExpand("subscription", paths); err != nil {
		return nil, nil, err
	}
	return rec, paths, nil
}

// cancelSubscription is DELETE /v1/subscriptions/{id}: the subscription
// ends now, with customer.subscription.deleted; one already canceled is
// refused, as at Stripe.
func (s *Server) cancelSubscription(c *call) (any, *apiError) {
	rec, paths, err := s.subscriptionOf(c)
	if err != nil {
		return nil, err
	}
	if rec.Sub.Status == "canceled" {
		return nil, invalid("subscription", "This subscription is already canceled.")
	}
	s.endSubscription(rec)
	return s.render(rec.Sub, paths), nil
}

func invoiceListSpec() map[string]param {
	return withList(map[string]param{"subscription": pString(), "status": pString(), "customer": pString()})
}

func (s *Server) listInvoices(c *call) (any, *apiError) {
	sub, status := c.form.str("subscription"), c.form.str("status")
	return listOf(s, c, &s.st.Invoices, "invoice", "/v1/invoices", func(inv *invoice) bool {
		return (sub == "" || deref(inv.Subscription) == sub) && (status == "" || inv.Status == status)
	})
}

func (s *Server) getInvoice(c *call) (any, *apiError) {
	return retrieve(s, c, &s.st.Invoices, "invoice")
}

// simClockAdvance is POST /_sim/clock/advance {"seconds": N}: the clock
// moves N seconds, renewing, retrying and ending subscriptions at each
// moment it passes.
func (s *Server) simClockAdvance(r *http.Request) (int, any, *apiError) {
	var in struct {
		Seconds int64 `json:"seconds"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Seconds < 0 {
		return 0, nil, invalidValue("seconds", "seconds must not be negative")
	}
	return http.StatusOK, s.advance(time.Duration(in.Seconds) * time.Second), nil
}

// simPayInvoice is POST /_sim/invoices/{id}/pay {"card"?}: the customer
// pays an open invoice on its hosted page, with a new card when given
// (which the subscription keeps). 402 when the card declines.
func (s *Server) simPayInvoice(r *http.Request) (int, any, *apiError) {
	var in struct {
		Card string `json:"card"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	inv, ok := s.st.Invoices.get(r.PathValue("id"))
	if !ok {
		return 0, nil, noSuch("invoice", r.PathValue("id"), "id")
	}
	sr, ok := s.st.Subscriptions.get(deref(inv.Subscription))
	if !ok || inv.Status != "open" {
		return 0, nil, invalid("invoice", "Invoice is already %s.", inv.Status)
	}
	if in.Card != "" {
		if err := checkCard(in.Card); err != nil {
			return 0, nil, err
		}
		sr.Card = normalCard(in.Card)
	}
	if !s.attemptInvoice(sr, inv) {
		return 0, nil, cardDeclined("card_declined", "Your card was declined.")
	}
	return http.StatusOK, map[string]string{"invoice": inv.ID, "payment_intent": deref(inv.PaymentIntent), "charge": deref(inv.Charge)}, nil
}

// simSubscriptionCard is POST /_sim/subscriptions/{id}/card {"card"}: the
// card on file from now on (the customer updated it, or a test makes the
// next renewal fail with 4000 0000 0000 0341).
func (s *Server) simSubscriptionCard(r *http.Request) (int, any, *apiError) {
	var in struct {
		Card string `json:"card"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	sr, ok := s.st.Subscriptions.get(r.PathValue("id"))
	if !ok {
		return 0, nil, noSuch("subscription", r.PathValue("id"), "id")
	}
	if in.Card == "" {
		return 0, nil, missingParam("card")
	}
	sr.Card = normalCard(in.Card)
	s.dirty = true
	return http.StatusOK, map[string]string{"subscription": sr.Sub.ID}, nil
}

// simCancelSubscription is POST /_sim/subscriptions/{id}/cancel
// {"at_period_end"?}: cancel now (customer.subscription.deleted) or at the
// period's end (customer.subscription.updated now, deleted then).
func (s *Server) simCancelSubscription(r *http.Request) (int, any, *apiError) {
	var in struct {
		AtPeriodEnd bool `json:"at_period_end"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	sr, ok := s.st.Subscriptions.get(r.PathValue("id"))
	if !ok {
		return 0, nil, noSuch("subscription", r.PathValue("id"), "id")
	}
	if sr.Sub.Status == "canceled" {
		return 0, nil, invalid("subscription", "This subscription is already canceled.")
	}
	if in.AtPeriodEnd {
		sr.Sub.CancelAtPeriodEnd, sr.Sub.CanceledAt = true, ptr(s.now().Unix())
		s.emit(billing.EventSubscriptionUpdated, sr.Sub, eventRequest{})
		s.dirty = true
	} else {
		s.endSubscription(sr)
	}
	return http.StatusOK, map[string]string{"subscription": sr.Sub.ID, "status": sr.Sub.Status}, nil
}
