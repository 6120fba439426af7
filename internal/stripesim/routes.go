package stripesim

import "net/http"

// routes maps the whole surface. The /v1 route patterns double as the keys
// of /_sim/stats by_endpoint, so a test can count the calls to each one.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	v1 := func(pattern string, spec map[string]param, h apiHandler) {
		mux.HandleFunc(pattern, s.api(pattern, spec, h))
	}
	v1("POST /v1/checkout/sessions", sessionCreateSpec(), s.createSession)
	v1("GET /v1/checkout/sessions", sessionListSpec(), s.listSessions)
	v1("GET /v1/checkout/sessions/{id}", retrieveSpec(), s.getSession)
	v1("POST /v1/checkout/sessions/{id}/expire", retrieveSpec(), s.expireSession)
	v1("GET /v1/payment_intents", withList(nil), s.listPaymentIntents)
	v1("GET /v1/payment_intents/{id}", retrieveSpec(), s.getPaymentIntent)
	v1("GET /v1/charges", chargeListSpec(), s.listCharges)
	v1("GET /v1/charges/{id}", retrieveSpec(), s.getCharge)
	v1("POST /v1/refunds", refundCreateSpec(), s.createRefund)
	v1("GET /v1/refunds", byChargeSpec(), s.listRefunds)
	v1("GET /v1/refunds/{id}", retrieveSpec(), s.getRefund)
	v1("GET /v1/disputes", byChargeSpec(), s.listDisputes)
	v1("GET /v1/disputes/{id}", retrieveSpec(), s.getDispute)
	v1("GET /v1/subscriptions", subscriptionListSpec(), s.listSubscriptions)
	v1("GET /v1/subscriptions/{id}", retrieveSpec(), s.getSubscription)
	v1("DELETE /v1/subscriptions/{id}", retrieveSpec(), s.cancelSubscription)
	v1("GET /v1/invoices", invoiceListSpec(), s.listInvoices)
	v1("GET /v1/invoices/{id}", retrieveSpec(), s.getInvoice)
	v1("GET /v1/events", eventListSpec(), s.listEvents)
	v1("GET /v1/events/{id}", retrieveSpec(), s.getEvent)
	unrecognized := s.api("", nil, func(c *call) (any, *apiError) { return nil, unrecognizedURL(c.r) })
	// Search is not simulated: it answers 404 as Stripe does for any path
	// it does not know, not 400 for a charge named "search" (Backstop
	// never searches; Search lags in outages).
	mux.HandleFunc("GET /v1/charges/search", unrecognized)
	mux.HandleFunc("GET /v1/payment_intents/search", unrecognized)
	mux.HandleFunc("/v1/", unrecognized)

	pay := s.hostedPage()
	mux.HandleFunc("GET /pay/{session}", pay)
	mux.HandleFunc("POST /pay/{session}", pay)

	// The control API refuses what browsers send for other sites (guard.go).
	sim := func(pattern string, h http.HandlerFunc) { mux.HandleFunc(pattern, refuseBrowsers(h)) }
	sim("POST /_sim/checkout/{session}/pay", s.control(s.simPay))
	sim("POST /_sim/payments", s.control(s.simPayment))
	sim("POST /_sim/charges/{id}/refund", s.control(s.simRefund))
	sim("POST /_sim/charges/{id}/dispute", s.control(s.simDispute))
	sim("POST /_sim/disputes/{id}/close", s.control(s.simCloseDispute))
	sim("POST /_sim/faults", s.control(s.simFaults))
	sim("POST /_sim/webhooks/retry", s.retryNow)
	sim("GET /_sim/stats", s.control(s.simStats))
	sim("POST /_sim/reset", s.control(s.simReset))
	sim("POST /_sim/clock", s.control(s.simClock))
	sim("POST /_sim/clock/advance", s.control(s.simClockAdvance))
	sim("POST /_sim/invoices/{id}/pay", s.control(s.simPayInvoice))
	sim("POST /_sim/subscriptions/{id}/card", s.control(s.simSubscriptionCard))
	sim("POST /_sim/subscriptions/{id}/cancel", s.control(s.simCancelSubscription))
	if len(s.opts.AllowedHosts) > 0 {
		return onlyHosts(s.opts.AllowedHosts, mux)
	}
	return mux
}
