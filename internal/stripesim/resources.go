package stripesim

import "strconv"

// Read-only endpoints for payment intents, charges and disputes. They are
// created by the hosted page and the control API, never by /v1 POSTs.

func (s *Server) listPaymentIntents(c *call) (any, *apiError) {
	return listOf(s, c, &s.st.PaymentIntents, "payment_intent", "/v1/payment_intents",
		func(*paymentIntent) bool { return true })
}

func (s *Server) getPaymentIntent(c *call) (any, *apiError) {
	return retrieve(s, c, &s.st.PaymentIntents, "payment_intent")
}

func chargeListSpec() map[string]param {
	return withList(map[string]param{"payment_intent": pString()})
}

func (s *Server) listCharges(c *call) (any, *apiError) {
	pi := c.form.str("payment_intent")
	return listOf(s, c, &s.st.Charges, "charge", "/v1/charges", func(ch *charge) bool {
		return pi == "" || deref(ch.PaymentIntent) == pi
	})
}

func (s *Server) getCharge(c *call) (any, *apiError) {
	return retrieve(s, c, &s.st.Charges, "charge")
}

// byChargeSpec is the filter set refunds and disputes share.
func byChargeSpec() map[string]param {
	return withList(map[string]param{"charge": pString(), "payment_intent": pString()})
}

func (s *Server) listDisputes(c *call) (any, *apiError) {
	ch, pi := c.form.str("charge"), c.form.str("payment_intent")
	return listOf(s, c, &s.st.Disputes, "dispute", "/v1/disputes", func(d *dispute) bool {
		return (ch == "" || d.Charge == ch) && (pi == "" || deref(d.PaymentIntent) == pi)
	})
}

func (s *Server) getDispute(c *call) (any, *apiError) {
	return retrieve(s, c, &s.st.Disputes, "dispute")
}

// retrieve answers GET /v1/<objects>/{id} with expand[].
func retrieve[T object](s *Server, c *call, t *table[T], objType string) (any, *apiError) {
	id := c.r.PathValue("id")
	v, ok := t.get(id)
	if !ok {
		return nil, noSuch(objType, id, "id")
	}
	paths := c.form.strings("expand")
	if err := checkExpand(objType, paths); err != nil {
		return nil, err
	}
	return s.render(v, paths), nil
}

func itoa(i int) string { return strconv.Itoa(i) }
