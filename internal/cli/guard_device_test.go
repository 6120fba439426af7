package cli

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
)

// perRequestHeaders differ between any two responses, whoever asks: the
// payment page and the new order's cookie, and the clock and request id.
var perRequestHeaders = []string{"Location", "Hx-Redirect", "Set-Cookie", "Date", "X-Request-Id"}

// TestGuardAnotherDeviceRevealsNothing: from a fresh client (no cookie), an
// address that bought the plan an hour ago and one that never did get the
// same answer, a new payment page, with the same status and the same
// headers; only the buyer's mailbox hears about the earlier purchase, once
// per hour however often the form is posted.
func TestGuardAnotherDeviceRevealsNothing(t *testing.T) {
	s := newTestStack(t)
	earlier, session := s.paidOrder(t, "known@example.test")
	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)

	for _, htmx := range []bool{false, true} {
		known, _ := s.do(t, checkoutRequest("Known@Example.test", "pro-yearly", formToken(), htmx))
		fresh, _ := s.do(t, checkoutRequest("fresh@example.test", "pro-yearly", formToken(), htmx))
		require.Equal(t, fresh.StatusCode, known.StatusCode)
		require.Equal(t, headerShape(known.Header), headerShape(fresh.Header), "htmx=%v", htmx)
		require.Equal(t, refPattern.ReplaceAllString(known.Header.Get("Set-Cookie"), "REF"),
			refPattern.ReplaceAllString(fresh.Header.Get("Set-Cookie"), "REF"))
		to := known.Header.Get("Location") + known.Header.Get("Hx-Redirect")
		require.Contains(t, to, "/pay/cs_", "a new payment page, as for anyone")
	}
	require.Len(t, s.simList(t, "checkout/sessions"), 5, "the earlier one and four new ones")

	known := s.emailMessages(t, "known@example.test", "status_link")
	require.Len(t, known, 1, "once per earlier order and hour")
	require.Empty(t, s.emailMessages(t, "fresh@example.test", "status_link"), "an address with only unpaid orders gets nothing")
	m := known[0]
	require.Equal(t, earlier.ID, *m.OrderID)
	require.Regexp(t, `^order:\d+:status_link:\d{4}-\d\d-\d\dT\d\d$`, m.DedupeKey)
	require.Equal(t, "You already bought Pro (yearly): here is its status ("+earlier.PublicRef+")", m.Subject)
	for _, want := range []string{
		"You started a new purchase of Pro (yearly) with known@example.test at ",
		"You already bought it:", "paid at ", "your access is ready",
		"http://shop.test/status/" + earlier.PublicRef,
		"If you meant to buy it again, just complete the payment. If not, close the payment page and nothing is charged.",
		"support@shop.test",
	} {
		require.Contains(t, m.TextBody, want)
	}
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'message_id' = $1`,
		strconv.FormatInt(m.ID, 10)), "its delivery is queued with it")
}

// headerShape is the response's headers with the per-request values blanked.
func headerShape(h http.Header) map[string][]string {
	out := map[string][]string{}
	for name, values := range h {
		if slices.Contains(perRequestHeaders, name) {
			out[name] = []string{"…"}
			continue
		}
		out[name] = values
	}
	return out
}

func (s *testStack) emailMessages(t *testing.T, to, template string) []store.EmailMessage {
	t.Helper()
	all, err := s.store.EmailMessages(context.Background(), store.EmailFilter{To: to})
	require.NoError(t, err)
	var out []store.EmailMessage
	for _, m := range all {
		if m.Template == template {
			out = append(out, m)
		}
	}
	return out
}
