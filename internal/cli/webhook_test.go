package cli

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/backstophq/backstop/internal/billing"
)

// signed builds a webhook request signed with secret at time at.
func signed(body []byte, secret string, at time.Time) *http.Request {
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at})
	req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sp.Header)
	return req
}

// dbState is a fingerprint of everything a webhook could change.
func (s *testStack) dbState(t *testing.T) string {
	return fmt.Sprint(
		s.count(t, `SELECT count(*) FROM processor_events`),
		s.count(t, `SELECT count(*) FROM orders WHERE status <> 'pending'`),
		s.count(t, `SELECT count(*) FROM entitlement_grants`),
		s.count(t, `SELECT count(*) FROM email_messages`),
		s.count(t, `SELECT count(*) FROM river_job`),
		s.count(t, `SELECT count(*) FROM order_events`),
	)
}

// TestWebhookAbuse sends every kind of bad webhook for a real paid checkout:
// each is refused with 400 and leaves the database exactly as it was; the
// genuine delivery afterwards is accepted and fulfils the order.
func TestWebhookAbuse(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "abuse@example.test")
	body := s.event(t, "checkout.session.completed")
	now := time.Now()
	wrongVersion := bytes.Replace(body, []byte(`"2023-10-16"`), []byte(`"2024-06-20"`), 1)
	tampered := bytes.Replace(body, []byte(`"checkout.session.completed"`), []byte(`"checkout.session.completeD"`), 1)

	cases := []struct {
		name string
		req  func() *http.Request
	}{
		{"missing signature", func() *http.Request {
			r := signed(body, testSecret, now)
			r.Header.Del("Stripe-Signature")
			return r
		}},
		{"garbled signature", func() *http.Request {
			r := signed(body, testSecret, now)
			r.Header.Set("Stripe-Signature", "t=abc,v1=zz,nonsense")
			return r
		}},
		{"wrong secret", func() *http.Request { return signed(body, "whsec_someone_else", now) }},
		{"301 s old", func() *http.Request { return signed(body, testSecret, now.Add(-301*time.Second)) }},
		// Signatures carry whole seconds: 301 s ahead of a time late in a
		// second is under 300 s ahead once that second has passed, so the
		// case signs 302 s ahead of the moment it is sent.
		{"302 s ahead", func() *http.Request { return signed(body, testSecret, time.Now().Add(302*time.Second)) }},
		{"two timestamps, the one signed a day ahead", func() *http.Request {
			ahead := signed(body, testSecret, now.Add(24*time.Hour)).Header.Get("Stripe-Signature")
			r := signed(body, testSecret, now)
			r.Header.Set("Stripe-Signature", fmt.Sprintf("t=%d,%s", now.Unix(), ahead))
			return r
		}},
		{"one byte changed", func() *http.Request {
			r := signed(body, testSecret, now)
			r.Body = httpBody(tampered)
			return r
		}},
		{"wrong API version", func() *http.Request { return signed(wrongVersion, testSecret, now) }},
		{"oversized", func() *http.Request {
			return signed(append(bytes.TrimSuffix(body, []byte("}")), []byte(`,"pad":"`+strings.Repeat("x", 300<<10)+`"}`)...), testSecret, now)
		}},
		{"not JSON", func() *http.Request { return signed([]byte("hello"), testSecret, now) }},
	}
	before := s.dbState(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.app.Test(tc.req(), -1)
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, before, s.dbState(t), "database changed")
		})
	}

	resp, err := s.app.Test(signed(body, testSecret, now.Add(299*time.Second)), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, billing.StatusFulfilled, s.orderByRef(t, order.PublicRef).Status)

	unknown := bytes.Replace(body, []byte(`"checkout.session.completed"`), []byte(`"customer.created"`), 1)
	unknown = bytes.Replace(unknown, []byte(`"id": "evt_`), []byte(`"id": "evt_x`), 1)
	unknown = bytes.Replace(unknown, []byte(`"id":"evt_`), []byte(`"id":"evt_x`), 1)
	resp, err = s.app.Test(signed(unknown, testSecret, now), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "unknown event types are acknowledged")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE type = 'customer.created' AND processed_at IS NOT NULL`))
}

// TestSameEventHundredTimesAtOnce delivers one event 100 times concurrently:
// one fulfilment, one grant, one email, one job.
func TestSameEventHundredTimesAtOnce(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "hundred@example.test")
	body := s.event(t, "checkout.session.completed")
	var wg sync.WaitGroup
	codes := make(chan int, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := s.app.Test(signed(body, testSecret, time.Now()), -1)
			if err != nil {
				codes <- 0
				return
			}
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		require.Equal(t, http.StatusOK, code)
	}
	s.requireOneEffect(t, order.ID)
}

// TestPathsRaceOnOneOrder races the return page, the webhook and a direct
// Fulfill (as staff or the sweep would call it) on each of many orders.
func TestPathsRaceOnOneOrder(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	for i := range 15 {
		order, session := s.paidOrder(t, fmt.Sprintf("race%d@example.test", i))
		body := s.event(t, "checkout.session.completed")
		sess, err := s.proc.GetCheckoutSession(ctx, session)
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, err := s.billing.ReturnFromCheckout(ctx, session)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			resp, err := s.app.Test(signed(body, testSecret, time.Now()), -1)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("webhook answered %d", resp.StatusCode)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := s.billing.Fulfill(ctx, billing.FromSession(sess), billing.ViaStaff)
			errs <- err
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		s.requireOneEffect(t, order.ID)
	}
}

func (s *testStack) requireOneEffect(t *testing.T, orderID int64) {
	t.Helper()
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE id = $1 AND status = 'fulfilled'`, orderID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants WHERE order_id = $1`, orderID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM email_messages WHERE order_id = $1`, orderID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'fulfilled'`, orderID))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'message_id' IN
		(SELECT id::text FROM email_messages WHERE order_id = $1)`, orderID))
}

// TestFailedEventIsRetriedNotHidden: while the processor is down the event
// cannot be handled; it is stored with its error and answered 500, and the
// next delivery of the same event (deduped by id) handles it after all.
func TestFailedEventIsRetriedNotHidden(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "retry@example.test")
	body := s.event(t, "checkout.session.completed")
	s.simPost(t, "/_sim/faults", `{"api_error_rate": 1.0}`)

	resp, err := s.app.Test(signed(body, testSecret, time.Now()), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode, "the processor redelivers on 5xx")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE processed_at IS NULL AND attempts = 1 AND last_error <> ''`))
	require.Equal(t, billing.StatusPending, s.orderByRef(t, order.PublicRef).Status)
	require.Zero(t, s.count(t, `SELECT count(*) FROM email_messages`), "the failed handling left nothing behind")

	s.simPost(t, "/_sim/faults", `{"api_error_rate": 0}`)
	resp, err = s.app.Test(signed(body, testSecret, time.Now()), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM processor_events WHERE processed_at IS NOT NULL AND attempts = 2`))
	s.requireOneEffect(t, order.ID)
}

// TestRefundedBeforeCompletionIsNotServed: the payment was refunded (say from
// the processor's dashboard) before its completion was handled, and the
// completion arrives late. The money went back, so no access is granted and
// no email sent; the order says refunded.
func TestRefundedBeforeCompletionIsNotServed(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.paidOrder(t, "refunded-early@example.test")
	body := s.event(t, "checkout.session.completed")
	charges := s.simList(t, "charges")
	require.Len(t, charges, 1)
	s.simPost(t, "/_sim/charges/"+charges[0]["id"].(string)+"/refund", `{}`)

	resp, err := s.app.Test(signed(body, testSecret, time.Now()), -1)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, billing.StatusRefunded, s.orderByRef(t, order.PublicRef).Status)
	require.Zero(t, s.count(t, `SELECT count(*) FROM entitlement_grants`))
	require.Zero(t, s.count(t, `SELECT count(*) FROM email_messages`))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'not_served'`, order.ID))
}
