package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// forged is a correctly signed event (the webhook secret leaked, say)
// whose payload says what the processor does not.
func forged(typ string, object map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "evt_forged_" + randHex(8), "object": "event", "api_version": "2023-10-16",
		"created": time.Now().Unix(), "livemode": false, "pending_webhooks": 1, "type": typ,
		"request": map[string]any{"id": nil, "idempotency_key": nil}, "data": map[string]any{"object": object},
	})
	return b
}

// orderState is a fingerprint of everything an event could change about
// one order: its status, grant, emails, timeline and mismatches.
func (s *testStack) orderState(t *testing.T, o billing.Order) string {
	t.Helper()
	return fmt.Sprint(
		s.orderByRef(t, o.PublicRef).Status,
		s.count(t, `SELECT count(*) FROM entitlement_grants WHERE order_id = $1`, o.ID),
		s.count(t, `SELECT count(*) FROM email_messages WHERE order_id = $1`, o.ID),
		s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1`, o.ID),
		s.count(t, `SELECT count(*) FROM mismatches WHERE order_id = $1 OR email = $2`, o.ID, o.Email),
	)
}

func (s *testStack) statusPage(t *testing.T, ref string) string {
	t.Helper()
	_, body := s.do(t, httptest.NewRequest(http.MethodGet, "/status/"+ref, nil))
	return body
}

func (s *testStack) dispute(t *testing.T, charge string) string {
	t.Helper()
	var out struct{ Dispute string }
	require.NoError(t, json.Unmarshal(s.simPost(t, "/_sim/charges/"+charge+"/dispute", `{}`), &out))
	return out.Dispute
}

// TestEventFactsComeFromTheProcessor delivers correctly signed events whose
// payload disagrees with the processor, each beside the genuine event of
// the same type: the forged ones change nothing the processor does not
// confirm, the genuine ones change what they should.
func TestEventFactsComeFromTheProcessor(t *testing.T) {
	s := newTestStack(t)
	mail := func(name string) string { return name + "-" + randHex(4) + "@example.test" }
	cases := []struct {
		name string
		// event sets the scene and returns the body to deliver and the
		// order it is about.
		event    func(t *testing.T) ([]byte, billing.Order)
		wantCode int
		// want is the order's status afterwards; "" means unchanged.
		want string
	}{
		{"dispute the processor does not have, on a served order's charge", func(t *testing.T) ([]byte, billing.Order) {
			o, p := s.served(t, mail("no-dispute"))
			return forged(billing.EventDisputeCreated, map[string]any{"id": "dp_forged" + randHex(6), "object": "dispute",
				"charge": p.Charge, "payment_intent": p.PaymentIntent, "status": "needs_response", "amount": 24900}), o
		}, http.StatusInternalServerError, ""},
		{"another charge's dispute, named as a served order's", func(t *testing.T) ([]byte, billing.Order) {
			o, p := s.served(t, mail("other-dispute"))
			elsewhere := s.dispute(t, s.orphan(t, "", 700, nil).Charge)
			return forged(billing.EventDisputeCreated, map[string]any{"id": elsewhere, "object": "dispute",
				"charge": p.Charge, "payment_intent": p.PaymentIntent, "status": "needs_response", "amount": 24900}), o
		}, http.StatusOK, ""},
		{"genuine dispute", func(t *testing.T) ([]byte, billing.Order) {
			o, p := s.served(t, mail("disputed"))
			s.dispute(t, p.Charge)
			return s.event(t, billing.EventDisputeCreated), o
		}, http.StatusOK, billing.StatusDisputed},
		{"expiry of a session still open", func(t *testing.T) ([]byte, billing.Order) {
			o, session, _ := s.checkout(t, mail("still-open"), false)
			return forged(billing.EventCheckoutExpired, map[string]any{"id": session, "object": "checkout.session",
				"status": "expired", "payment_status": "unpaid"}), o
		}, http.StatusOK, ""},
		{"genuine expiry", func(t *testing.T) ([]byte, billing.Order) {
			o, session, _ := s.checkout(t, mail("expired"), false)
			s.expireSession(t, session)
			return s.event(t, billing.EventCheckoutExpired), o
		}, http.StatusOK, billing.StatusExpired},
		{"refund of a charge not refunded", func(t *testing.T) ([]byte, billing.Order) {
			o, p := s.served(t, mail("not-refunded"))
			return forged(billing.EventChargeRefunded, map[string]any{"id": p.Charge, "object": "charge",
				"payment_intent": p.PaymentIntent, "amount": 24900, "amount_refunded": 24900, "refunded": true}), o
		}, http.StatusOK, ""},
		{"genuine partial refund", func(t *testing.T) ([]byte, billing.Order) {
			o, p := s.served(t, mail("partly-refunded"))
			s.simPost(t, "/_sim/charges/"+p.Charge+"/refund", `{"amount": 900}`)
			return s.event(t, billing.EventChargeRefunded), o
		}, http.StatusOK, ""},
		{"genuine full refund", func(t *testing.T) ([]byte, billing.Order) {
			o, p := s.served(t, mail("refunded"))
			s.simPost(t, "/_sim/charges/"+p.Charge+"/refund", `{}`)
			return s.event(t, billing.EventChargeRefunded), o
		}, http.StatusOK, billing.StatusRefunded},
		{"completion of a session not paid", func(t *testing.T) ([]byte, billing.Order) {
			o, session, _ := s.checkout(t, mail("unpaid"), false)
			return forged(billing.EventCheckoutCompleted, map[string]any{"id": session, "object": "checkout.session",
				"status": "complete", "payment_status": "paid", "amount_total": 24900, "currency": "usd"}), o
		}, http.StatusOK, ""},
		{"genuine completion", func(t *testing.T) ([]byte, billing.Order) {
			o, _, _ := s.checkout(t, mail("completed"), true)
			return s.event(t, billing.EventCheckoutCompleted), o
		}, http.StatusOK, billing.StatusFulfilled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, o := tc.event(t)
			before := s.orderState(t, o)
			status := s.orderByRef(t, o.PublicRef).Status
			require.Equal(t, tc.wantCode, s.deliver(t, body))
			if tc.want == "" {
				require.Equal(t, before, s.orderState(t, o), "the order changed")
				return
			}
			require.NotEqual(t, status, tc.want)
			require.Equal(t, tc.want, s.orderByRef(t, o.PublicRef).Status)
		})
	}

	t.Run("paying after a forged expiry serves the order", func(t *testing.T) {
		o, session, _ := s.checkout(t, mail("pays-later"), false)
		require.Equal(t, http.StatusOK, s.deliver(t, forged(billing.EventCheckoutExpired,
			map[string]any{"id": session, "object": "checkout.session", "status": "expired"})))
		require.NotContains(t, s.statusPage(t, o.PublicRef), "Nothing was charged")
		s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"4242424242424242"}`)
		require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventCheckoutCompleted)))
		require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, o.PublicRef).Status)
		page := s.statusPage(t, o.PublicRef)
		require.NotContains(t, page, "Nothing was charged")
		require.True(t, strings.Contains(page, "ready") || strings.Contains(page, "Ready"), page)
	})
}
