package stripeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

// pagedCharges serves n charges, newest first, honouring limit and
// starting_after the way Stripe does.
func pagedCharges(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		start := 0 // index into the list, newest first: ch_{n-1} … ch_0
		if after := q.Get("starting_after"); after != "" {
			i, _ := strconv.Atoi(strings.TrimPrefix(after, "ch_"))
			start = n - i
		}
		end := min(start+limit, n)
		items := make([]string, 0, end-start)
		for k := start; k < end; k++ {
			id := n - 1 - k
			items = append(items, fmt.Sprintf(`{"id":"ch_%d","object":"charge","amount":%d,"created":%d}`, id, 100+id, 1_700_000_000+id))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"object":"list","url":"/v1/charges","has_more":%t,"data":[%s]}`,
			end < n, strings.Join(items, ",")))
	}
}

func TestListStreamsEveryPageAndEachPageWaitsForAToken(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, pagedCharges(250))
	clk := newFakeClock()
	c, err := newClient(Config{SecretKey: "sk_test_123", APIBase: api.URL, MaxRetries: -1, RatePerSec: 1, Burst: 1}, clk)
	require.NoError(t, err)

	var got []string
	err = c.ListCharges(context.Background(), billing.Range{}, func(ch billing.Charge) error {
		got = append(got, ch.ID)
		return nil
	})

	require.NoError(t, err)
	require.Len(t, got, 250)
	require.Equal(t, "ch_249", got[0])
	require.Equal(t, "ch_0", got[249])
	reqs := api.requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		require.Equal(t, "100", r.Query.Get("limit"))
	}
	require.Equal(t, "ch_150", reqs[1].Query.Get("starting_after"))
	require.Equal(t, "ch_50", reqs[2].Query.Get("starting_after"))
	n, total := clk.slept()
	require.Equal(t, 2, n, "pages 2 and 3 waited for the bucket")
	require.Equal(t, 2*time.Second, total)
}

func TestListStopsAtTheCallbacksError(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, pagedCharges(250))
	c := newTestClient(t, api.URL, nil)
	stop := errors.New("stop here")

	seen := 0
	err := c.ListCharges(context.Background(), billing.Range{}, func(billing.Charge) error {
		seen++
		if seen == 150 {
			return stop
		}
		return nil
	})

	require.Same(t, stop, err, "fn's error comes back as is")
	require.Equal(t, 150, seen)
	require.Len(t, api.requests(), 2, "the third page is never fetched")
}

func TestListSendsTheCreatedRange(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, pagedCharges(0))
	c := newTestClient(t, api.URL, nil)
	from := time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
	to := from.Add(72 * time.Hour)
	noop := func(billing.Charge) error { return nil }

	require.NoError(t, c.ListCharges(context.Background(), billing.Range{From: from, To: to}, noop))
	require.NoError(t, c.ListCharges(context.Background(), billing.Range{From: from}, noop))
	require.NoError(t, c.ListCharges(context.Background(), billing.Range{}, noop))

	reqs := api.requests()
	require.Equal(t, strconv.FormatInt(from.Unix(), 10), reqs[0].Query.Get("created[gte]"))
	require.Equal(t, strconv.FormatInt(to.Unix(), 10), reqs[0].Query.Get("created[lte]"))
	require.NotContains(t, reqs[1].Query, "created[lte]")
	for k := range reqs[2].Query {
		require.False(t, strings.HasPrefix(k, "created"), "no created filter for an open range, got %s", k)
	}
}

func TestListEventsKeepsEachEventsRawJSON(t *testing.T) {
	t.Parallel()
	const ev1 = `{"id":"evt_2","object":"event","api_version":"2023-10-16","created":1700000002,"type":"charge.refunded","future_field":{"x":1},"data":{"object":{"id":"ch_9","object":"charge","amount_refunded":500}}}`
	const ev2 = `{"id":"evt_1","object":"event","api_version":"2023-10-16","created":1700000001,"type":"checkout.session.completed","data":{"object":{"id":"cs_test_7","object":"checkout.session"}}}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"object":"list","url":"/v1/events","has_more":false,"data":[`+ev1+","+ev2+`]}`)
	})
	c := newTestClient(t, api.URL, nil)

	var got []billing.Event
	err := c.ListEvents(context.Background(), billing.Range{}, []string{"charge.refunded", "checkout.session.completed"}, func(e billing.Event) error {
		got = append(got, e)
		return nil
	})

	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, billing.Event{ID: "evt_2", Type: "charge.refunded", Created: time.Unix(1700000002, 0).UTC(), ObjectID: "ch_9", Raw: json.RawMessage(ev1)}, got[0])
	require.Equal(t, "cs_test_7", got[1].ObjectID)
	require.JSONEq(t, ev2, string(got[1].Raw))
	var decoded stripe.Event
	require.NoError(t, json.Unmarshal(got[0].Raw, &decoded))
	require.Equal(t, "evt_2", decoded.ID)
	q := api.requests()[0].Query
	require.Equal(t, []string{"charge.refunded"}, q["types[0]"])
	require.Equal(t, []string{"checkout.session.completed"}, q["types[1]"])
}

func TestListEventsRefusesMoreThan20Types(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, pagedCharges(0))
	c := newTestClient(t, api.URL, nil)
	err := c.ListEvents(context.Background(), billing.Range{}, make([]string, 21), func(billing.Event) error { return nil })
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Empty(t, api.requests())
}

func TestListSurvivesAPageWithHasMoreButNoData(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"object":"list","url":"/v1/disputes","has_more":true,"data":[]}`)
	})
	c := newTestClient(t, api.URL, nil)

	err := c.ListDisputes(context.Background(), billing.Range{}, func(billing.Dispute) error { return nil })

	require.Error(t, err, "stripe-go panics on this page; the adapter reports it")
	require.Equal(t, apperr.Internal, apperr.KindOf(err))
}

// TestListChargesWithPayerExpandsAndConverts: one listing carries the
// payer's every address, the intent's metadata, the card's last four and
// the receipt number; a charge with neither expanded object still converts.
func TestListChargesWithPayerExpandsAndConverts(t *testing.T) {
	t.Parallel()
	const full = `{"id":"ch_1","object":"charge","amount":24900,"currency":"usd","status":"succeeded","paid":true,
		"receipt_email":"r@example.test","billing_details":{"email":"b@example.test"},"receipt_number":"1234-5678",
		"payment_method_details":{"type":"card","card":{"brand":"visa","last4":"4242"}},
		"customer":{"id":"cus_1","object":"customer","email":"c@example.test"},
		"payment_intent":{"id":"pi_1","object":"payment_intent","status":"succeeded","amount":24900,"currency":"usd","metadata":{"plan":"pro-yearly"}},
		"created":1700000000}`
	const bare = `{"id":"ch_2","object":"charge","amount":100,"currency":"usd","customer":"cus_2","payment_intent":"pi_2","created":1700000001}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"object":"list","url":"/v1/charges","has_more":false,"data":[`+full+","+bare+`]}`)
	})
	c := newTestClient(t, api.URL, nil)
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	var got []billing.Charge
	err := c.ListChargesWithPayer(context.Background(), billing.Range{From: day, To: day.Add(time.Hour)}, func(ch billing.Charge) error {
		got = append(got, ch)
		return nil
	})

	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "r@example.test", got[0].ReceiptEmail)
	require.Equal(t, "b@example.test", got[0].BillingEmail)
	require.Equal(t, "c@example.test", got[0].CustomerEmail)
	require.Equal(t, "1234-5678", got[0].ReceiptNumber)
	require.Equal(t, "4242", got[0].Last4)
	require.Equal(t, "pi_1", got[0].PaymentIntentID)
	require.NotNil(t, got[0].Payment)
	require.Equal(t, map[string]string{"plan": "pro-yearly"}, got[0].Payment.Metadata)
	require.Equal(t, "pi_2", got[1].PaymentIntentID)
	require.Nil(t, got[1].Payment, "an id is not an expanded intent")
	require.Empty(t, got[1].CustomerEmail)
	reqs := api.requests()
	require.Len(t, reqs, 1)
	q := reqs[0].Query
	require.Equal(t, []string{"data.payment_intent"}, q["expand[0]"])
	require.Equal(t, []string{"data.customer"}, q["expand[1]"])
	require.Equal(t, strconv.FormatInt(day.Unix(), 10), q.Get("created[gte]"))
	require.Equal(t, "100", q.Get("limit"))
}
