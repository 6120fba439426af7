package stripesim

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// The control API under /_sim drives scenarios a real processor only
// produces through a customer or a bank: payments, refunds from the
// dashboard, disputes, faults. It needs no API key; it answers JSON, with
// Stripe's error envelope on failure.

// controlFunc runs under the state lock and returns status and body.
type controlFunc func(r *http.Request) (int, any, *apiError)

func (s *Server) control(h controlFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Request-Id", newID("req_", 14))
		var (
			status int
			body   any
			err    *apiError
		)
		s.locked(func() { status, body, err = h(r) })
		switch {
		case err != nil:
			writeJSON(w, err.Status, err.envelope())
		case status == http.StatusNoContent:
			w.WriteHeader(status)
		default:
			writeJSON(w, status, body)
		}
	}
}

// decode reads a JSON body strictly; an empty body is an empty object.
func decode(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return invalid("", "Invalid JSON body: %s", err.Error())
	}
	return nil
}

func (s *Server) simPay(r *http.Request) (int, any, *apiError) {
	var in struct{ Card, Email string }
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	id := r.PathValue("session")
	rec, ok := s.st.Sessions.get(id)
	if !ok {
		return 0, nil, noSuch("checkout.session", id, "session")
	}
	if in.Card == "" {
		return 0, nil, missingParam("card")
	}
	res, err := s.payCheckout(rec, in.Card, in.Email)
	return http.StatusOK, res, err
}

// simPayment is POST /_sim/payments: a succeeded payment made outside the
// app's checkout. email is the payer's address on both the receipt and the
// card; receipt_email and billing_email set one of them alone, and last4
// the card's last four digits (4242 by default).
func (s *Server) simPayment(r *http.Request) (int, any, *apiError) {
	var in struct {
		Email        string            `json:"email"`
		ReceiptEmail string            `json:"receipt_email"`
		BillingEmail string            `json:"billing_email"`
		Last4        string            `json:"last4"`
		Amount       int64             `json:"amount"`
		Currency     string            `json:"currency"`
		Metadata     map[string]string `json:"metadata"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Amount < 1 {
		return 0, nil, invalidValue("amount", "amount must be a positive integer in minor units")
	}
	if in.Currency == "" {
		in.Currency = "usd"
	}
	who := payer{receipt: cmp.Or(in.ReceiptEmail, in.Email), billing: cmp.Or(in.BillingEmail, in.Email), last4: cmp.Or(in.Last4, "4242")}
	if !isLast4(who.last4) {
		return 0, nil, invalidValue("last4", "last4 must be four digits")
	}
	return http.StatusOK, s.orphanPayment(in.Amount, in.Currency, who, in.Metadata), nil
}

func isLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Server) simRefund(r *http.Request) (int, any, *apiError) {
	var in struct {
		Amount int64 `json:"amount"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	ch, ok := s.st.Charges.get(r.PathValue("id"))
	if !ok {
		return 0, nil, noSuch("charge", r.PathValue("id"), "charge")
	}
	re, err := s.refund(ch, in.Amount, nil, nil, eventRequest{})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"refund": re.ID}, nil
}

func (s *Server) simDispute(r *http.Request) (int, any, *apiError) {
	var in struct {
		Reason string `json:"reason"`
		Status string `json:"status"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	ch, ok := s.st.Charges.get(r.PathValue("id"))
	if !ok {
		return 0, nil, noSuch("charge", r.PathValue("id"), "charge")
	}
	if in.Reason == "" {
		in.Reason = "fraudulent"
	}
	switch in.Status {
	case "":
		in.Status = "needs_response"
	case "needs_response", "warning_needs_response":
	default:
		return 0, nil, invalidValue("status", "status must be needs_response or warning_needs_response")
	}
	return http.StatusOK, map[string]string{"dispute": s.openDispute(ch, in.Reason, in.Status).ID}, nil
}

// simCloseDispute is POST /_sim/disputes/{id}/close {"status":"won|lost"}:
// the bank's decision, with its charge.dispute.closed event.
func (s *Server) simCloseDispute(r *http.Request) (int, any, *apiError) {
	var in struct {
		Status string `json:"status"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	d, ok := s.st.Disputes.get(r.PathValue("id"))
	if !ok {
		return 0, nil, noSuch("dispute", r.PathValue("id"), "id")
	}
	if in.Status != "won" && in.Status != "lost" {
		return 0, nil, invalidValue("status", "status must be won or lost")
	}
	if err := s.closeDispute(d, in.Status); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"dispute": d.ID}, nil
}

func (s *Server) simFaults(r *http.Request) (int, any, *apiError) {
	var in struct {
		Webhooks     *string  `json:"webhooks"`
		APIErrorRate *float64 `json:"api_error_rate"`
		APILatencyMS *int64   `json:"api_latency_ms"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	f := s.faults
	if in.Webhooks != nil {
		if err := f.setWebhooks(*in.Webhooks); err != nil {
			return 0, nil, invalidValue("webhooks", "%s", err.Error())
		}
	}
	if p := in.APIErrorRate; p != nil {
		if *p < 0 || *p > 1 {
			return 0, nil, invalidValue("api_error_rate", "api_error_rate must be between 0 and 1")
		}
		f.errorRate, f.errorAcc = *p, 0
	}
	if ms := in.APILatencyMS; ms != nil {
		if *ms < 0 {
			return 0, nil, invalidValue("api_latency_ms", "api_latency_ms must not be negative")
		}
		f.latency = time.Duration(*ms) * time.Millisecond
	}
	s.faults = f
	return http.StatusNoContent, nil, nil
}

// simStats reports what the API and the webhook loop have done.
func (s *Server) simStats(*http.Request) (int, any, *apiError) {
	by := make(map[string]int64, len(s.byRoute))
	for k, v := range s.byRoute {
		by[k] = v
	}
	return http.StatusOK, map[string]any{
		"api_requests": s.apiCalls,
		"by_endpoint":  by,
		"webhooks": map[string]int64{
			"delivered": s.st.Webhooks.Delivered, "failed_attempts": s.st.Webhooks.FailedAttempts,
			"pending": int64(len(s.st.Deliveries)), "dropped": s.st.Webhooks.Dropped,
		},
	}, nil
}

// simReset forgets every object, event, delivery, fault and counter.
func (s *Server) simReset(*http.Request) (int, any, *apiError) {
	s.st, s.faults = newState(), faults{}
	s.apiCalls, s.byRoute = 0, map[string]int64{}
	s.dirty = true
	return http.StatusNoContent, nil, nil
}

// simClock moves the simulated clock forward, e.g. {"advance":"25h"} to
// let open sessions expire; it answers {"now": unix seconds}.
func (s *Server) simClock(r *http.Request) (int, any, *apiError) {
	var in struct {
		Advance string `json:"advance"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Advance != "" {
		d, err := time.ParseDuration(in.Advance)
		if err != nil || d < 0 {
			return 0, nil, invalidValue("advance", "advance must be a positive duration such as 25h")
		}
		s.advance(d)
	}
	return http.StatusOK, map[string]int64{"now": s.now().Unix()}, nil
}
