package stripesim

import (
	"github.com/backstophq/backstop/internal/billing"
	"net/http"
	"strings"
	"time"
)

func sessionCreateSpec() map[string]param {
	productData := pObject(map[string]param{
		"name": pString(), "description": pString(), "metadata": pHash(), "images": pList(pString()),
	})
	priceData := pObject(map[string]param{
		"currency": pString(), "unit_amount": pInt(), "product_data": productData,
		"recurring": pObject(map[string]param{"interval": pString(), "interval_count": pInt()}),
	})
	return map[string]param{
		"mode": pString(), "success_url": pString(), "cancel_url": pString(),
		"client_reference_id": pString(), "customer_email": pString(), "metadata": pHash(),
		"line_items":           pList(pObject(map[string]param{"price_data": priceData, "quantity": pInt(), "price": pString()})),
		"payment_intent_data":  pObject(map[string]param{"metadata": pHash(), "description": pString(), "receipt_email": pString()}),
		"payment_method_types": pList(pString()), "expires_at": pInt(), "locale": pString(), "expand": pList(pString()),
		"subscription_data": pObject(map[string]param{"metadata": pHash(), "description": pString()}),
	}
}

func (s *Server) createSession(c *call) (any, *apiError) {
	rec, err := s.newSession(c)
	if err != nil {
		return nil, err
	}
	paths := c.form.strings("expand")
	if err := checkExpand("checkout.session", paths); err != nil {
		return nil, err
	}
	c.executing = true
	s.st.Sessions.add(rec)
	s.dirty = true
	return s.render(rec.Session, paths), nil
}

// newSession validates a create request and builds the open session.
func (s *Server) newSession(c *call) (*sessionRecord, *apiError) {
	f := c.form
	switch {
	case !f.has("mode"):
		return nil, missingParam("mode")
	case f.str("mode") != "payment" && f.str("mode") != "subscription":
		return nil, invalidValue("mode", "Invalid mode: the simulator supports mode=payment and mode=subscription, got %q.", f.str("mode"))
	case f.str("success_url") == "":
		return nil, missingParam("success_url")
	}
	mode := f.str("mode")
	items, currency, err := parseLineItems(f, mode)
	if err != nil {
		return nil, err
	}
	switch {
	case mode == "subscription" && f.has("payment_intent_data"):
		return nil, invalidValue("payment_intent_data", "You can not pass `payment_intent_data` in `subscription` mode.")
	case mode == "payment" && f.has("subscription_data"):
		return nil, invalidValue("subscription_data", "You can not pass `subscription_data` in `payment` mode.")
	case mode == "subscription" && len(items) != 1:
		return nil, invalidValue("line_items", "The simulator sells one recurring price per subscription.")
	}
	now := s.now()
	sess := &session{
		ID: newID("cs_test_", 58), Object: "checkout.session", Created: now.Unix(),
		ExpiresAt: now.Add(24 * time.Hour).Unix(), Currency: currency, Mode: mode,
		CancelURL: optional(f.str("cancel_url")), ClientReferenceID: optional(f.str("client_reference_id")),
		CustomerEmail: optional(f.str("customer_email")), Metadata: f.strMap("metadata"),
		PaymentMethodTypes: []string{"card"}, PaymentStatus: "unpaid", Status: "open",
		SuccessURL: f.str("success_url"),
	}
	if at, ok := f.int("expires_at"); ok {
		sess.ExpiresAt = at
	}
	for _, it := range items {
		sess.AmountTotal += it.UnitAmount * it.Quantity
	}
	sess.AmountSubtotal = sess.AmountTotal
	sess.URL = ptr(s.publicURL(c.r) + "/pay/" + sess.ID)
	pid := f.sub("payment_intent_data")
	rec := &sessionRecord{Session: sess, Items: items, PIMetadata: pid.strMap("metadata"),
		PIDesc: optional(pid.str("description"))}
	if mode == "subscription" {
		rec.PIMetadata, rec.SubMetadata = nil, f.sub("subscription_data").strMap("metadata")
	}
	return rec, nil
}

// parseLineItems reads line_items[i][price_data]; all items share one
// currency, and a subscription's are recurring while a payment's are not.
func parseLineItems(f form, mode string) ([]lineItem, string, *apiError) {
	raw := f.list("line_items")
	if len(raw) == 0 {
		return nil, "", missingParam("line_items")
	}
	var items []lineItem
	currency := ""
	for i, v := range raw {
		it, _ := v.(form)
		name := "line_items[" + itoa(i) + "]"
		if it.has("price") {
			return nil, "", invalidValue(name+"[price]", "The simulator knows no Prices; use %s[price_data].", name)
		}
		pd := it.sub("price_data")
		amount, okAmount := pd.int("unit_amount")
		qty, okQty := it.int("quantity")
		cur := strings.ToLower(pd.str("currency"))
		switch {
		case pd == nil:
			return nil, "", missingParam(name + "[price_data]")
		case cur == "":
			return nil, "", missingParam(name + "[price_data][currency]")
		case !okAmount || amount < 0:
			return nil, "", missingParam(name + "[price_data][unit_amount]")
		case pd.sub("product_data").str("name") == "":
			return nil, "", missingParam(name + "[price_data][product_data][name]")
		case !okQty || qty < 1:
			return nil, "", missingParam(name + "[quantity]")
		case currency != "" && cur != currency:
			return nil, "", invalidValue(name+"[price_data][currency]", "All line items must share one currency.")
		}
		interval := pd.sub("recurring").str("interval")
		switch {
		case mode == "subscription" && interval == "":
			return nil, "", invalidValue(name+"[price_data][recurring]", "You must provide at least one recurring price in `subscription` mode when using prices.")
		case mode == "payment" && interval != "":
			return nil, "", invalidValue(name+"[price_data][recurring]", "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.")
		case interval != "" && interval != "day" && interval != "week" && interval != "month" && interval != "year":
			return nil, "", invalidValue(name+"[price_data][recurring][interval]", "Invalid interval: must be one of day, week, month, or year")
		}
		currency = cur
		items = append(items, lineItem{Name: pd.sub("product_data").str("name"), UnitAmount: amount, Quantity: qty, Interval: interval})
	}
	return items, currency, nil
}

func (s *Server) publicURL(r *http.Request) string {
	if s.opts.PublicURL != "" {
		return strings.TrimRight(s.opts.PublicURL, "/")
	}
	return "http://" + r.Host
}

func sessionListSpec() map[string]param {
	return withList(map[string]param{"payment_intent": pString(), "status": pString()})
}

func (s *Server) listSessions(c *call) (any, *apiError) {
	pi, status := c.form.str("payment_intent"), c.form.str("status")
	return listOf(s, c, &s.st.Sessions, "checkout.session", "/v1/checkout/sessions", func(r *sessionRecord) bool {
		return (pi == "" || deref(r.Session.PaymentIntent) == pi) && (status == "" || r.Session.Status == status)
	})
}

func (s *Server) getSession(c *call) (any, *apiError) {
	rec, paths, err := s.sessionFor(c)
	if err != nil {
		return nil, err
	}
	return s.render(rec.Session, paths), nil
}

func (s *Server) expireSession(c *call) (any, *apiError) {
	rec, paths, err := s.sessionFor(c)
	if err != nil {
		return nil, err
	}
	c.executing = true
	if rec.Session.Status != "open" {
		return nil, invalid("", "Only Checkout Sessions with a status in [\"open\"] can be expired. "+
			"This Checkout Session has a status of %q.", rec.Session.Status)
	}
	s.expire(rec, c.ref())
	return s.render(rec.Session, paths), nil
}

// expire closes an open session and emits checkout.session.expired. The
// caller holds s.mu.
func (s *Server) expire(rec *sessionRecord, req eventRequest) {
	rec.Session.Status = "expired"
	rec.Session.URL = nil
	s.emit(billing.EventCheckoutExpired, rec.Session, req)
}

func (s *Server) sessionFor(c *call) (*sessionRecord, []string, *apiError) {
	id := c.r.PathValue("id")
	rec, ok := s.st.Sessions.get(id)
	if !ok {
		return nil, nil, noSuch("checkout.session", id, "session")
	}
	paths := c.form.strings("expand")
	return rec, paths, checkExpand("checkout.session", paths)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
