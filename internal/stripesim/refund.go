package stripesim

import "github.com/backstophq/backstop/internal/billing"

func refundCreateSpec() map[string]param {
	return map[string]param{
		"payment_intent": pString(), "charge": pString(), "amount": pInt(),
		"reason": pString(), "metadata": pHash(), "expand": pList(pString()),
	}
}

// createRefund is POST /v1/refunds: by payment_intent or charge, the full
// remaining amount unless amount is given.
func (s *Server) createRefund(c *call) (any, *apiError) {
	f := c.form
	paths := f.strings("expand")
	if err := checkExpand("refund", paths); err != nil {
		return nil, err
	}
	if f.str("charge") == "" && f.str("payment_intent") == "" {
		return nil, missingParam("charge")
	}
	if f.str("charge") != "" && f.str("payment_intent") != "" {
		return nil, invalid("payment_intent", "You may only specify one of these parameters: charge, payment_intent.")
	}
	if reason := f.str("reason"); reason != "" && reason != "duplicate" && reason != "fraudulent" && reason != "requested_by_customer" {
		return nil, invalidValue("reason", "Invalid reason: must be one of duplicate, fraudulent or requested_by_customer.")
	}
	amount, hasAmount := f.int("amount")
	if hasAmount && amount < 1 {
		return nil, invalidValue("amount", "Invalid amount: must be a positive integer.")
	}
	c.executing = true
	ch, err := s.chargeToRefund(f.str("charge"), f.str("payment_intent"))
	if err != nil {
		return nil, err
	}
	re, err := s.refund(ch, amount, optional(f.str("reason")), f.strMap("metadata"), c.ref())
	if err != nil {
		return nil, err
	}
	return s.render(re, paths), nil
}

func (s *Server) chargeToRefund(chargeID, piID string) (*charge, *apiError) {
	if chargeID != "" {
		ch, ok := s.st.Charges.get(chargeID)
		if !ok {
			return nil, noSuch("charge", chargeID, "charge")
		}
		return ch, nil
	}
	pi, ok := s.st.PaymentIntents.get(piID)
	if !ok {
		return nil, noSuch("payment_intent", piID, "payment_intent")
	}
	ch, ok := s.st.Charges.get(deref(pi.LatestCharge))
	if !ok || pi.Status != "succeeded" {
		return nil, invalid("payment_intent", "This PaymentIntent (%s) does not have a successful charge to refund.", piID)
	}
	return ch, nil
}

// refund moves money back on ch (amount 0 = all that is left) and emits
// charge.refunded and refund.created. The caller holds s.mu.
func (s *Server) refund(ch *charge, amount int64, reason *string, meta map[string]string, req eventRequest) (*refund, *apiError) {
	left := ch.Amount - ch.AmountRefunded
	if left <= 0 {
		e := invalid("charge", "Charge %s has already been refunded.", ch.ID)
		e.Body.Code = "charge_already_refunded"
		return nil, e
	}
	if amount == 0 {
		amount = left
	}
	if amount > left {
		e := invalid("amount", "Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, left)
		e.Body.Code = "amount_too_large"
		return nil, e
	}
	re := &refund{
		ID: newID("re_", 24), Object: "refund", Amount: amount, Charge: ch.ID, Created: s.now().Unix(),
		Currency: ch.Currency, Metadata: cloneMap(meta), PaymentIntent: ch.PaymentIntent, Reason: reason, Status: "succeeded",
	}
	s.st.Refunds.add(re)
	ch.AmountRefunded += amount
	ch.Refunded = ch.AmountRefunded == ch.Amount
	s.emit(billing.EventChargeRefunded, ch, req)
	s.emit("refund.created", re, req)
	return re, nil
}

func (s *Server) listRefunds(c *call) (any, *apiError) {
	ch, pi := c.form.str("charge"), c.form.str("payment_intent")
	return listOf(s, c, &s.st.Refunds, "refund", "/v1/refunds", func(r *refund) bool {
		return (ch == "" || r.Charge == ch) && (pi == "" || deref(r.PaymentIntent) == pi)
	})
}

func (s *Server) getRefund(c *call) (any, *apiError) {
	return retrieve(s, c, &s.st.Refunds, "refund")
}
