package stripesim

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	stripe "github.com/stripe/stripe-go/v76"
)

const piListRoute = "GET /v1/payment_intents"

func TestPaginationOver250Payments(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	var created []string // oldest first
	for i := range 250 {
		pi, _ := f.pay(t, fmt.Sprintf("p%d@example.test", i), 1000+int64(i))
		created = append(created, pi)
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)

	t.Run("forwards with the iterator", func(t *testing.T) {
		before := f.stats(t).ByEndpoint[piListRoute]
		lp := &stripe.PaymentIntentListParams{}
		lp.Limit = stripe.Int64(100)
		it := f.sc.PaymentIntents.List(lp)
		var got []string
		for it.Next() {
			got = append(got, it.PaymentIntent().ID)
		}
		require.NoError(t, it.Err())
		assert.Equal(t, newestFirst, got)
		assert.False(t, it.PaymentIntentList().HasMore)
		assert.Equal(t, "/v1/payment_intents", it.PaymentIntentList().URL)
		assert.Equal(t, int64(3), f.stats(t).ByEndpoint[piListRoute]-before, "pages fetched")
	})

	t.Run("backwards with ending_before", func(t *testing.T) {
		before := f.stats(t).ByEndpoint[piListRoute]
		lp := &stripe.PaymentIntentListParams{}
		lp.Limit = stripe.Int64(100)
		lp.EndingBefore = stripe.String(created[0])
		it := f.sc.PaymentIntents.List(lp)
		var got []string
		for it.Next() {
			got = append(got, it.PaymentIntent().ID)
		}
		require.NoError(t, it.Err())
		assert.Equal(t, created[1:], got, "the iterator yields oldest first when paging backwards")
		assert.Equal(t, int64(3), f.stats(t).ByEndpoint[piListRoute]-before, "pages fetched")
	})

	t.Run("one page at a time", func(t *testing.T) {
		lp := &stripe.PaymentIntentListParams{}
		lp.Limit = stripe.Int64(100)
		lp.Single = true
		lp.StartingAfter = stripe.String(newestFirst[199])
		it := f.sc.PaymentIntents.List(lp)
		n := 0
		for it.Next() {
			n++
		}
		require.NoError(t, it.Err())
		assert.Equal(t, 50, n)
		assert.False(t, it.PaymentIntentList().HasMore, "has_more must be false on the last page")

		lp.StartingAfter = stripe.String(newestFirst[249])
		it = f.sc.PaymentIntents.List(lp)
		assert.False(t, it.Next())
		require.NoError(t, it.Err())
		assert.False(t, it.PaymentIntentList().HasMore, "never has_more with empty data")

		lp.StartingAfter = nil
		lp.Limit = nil
		it = f.sc.PaymentIntents.List(lp)
		for it.Next() {
		}
		assert.Len(t, it.PaymentIntentList().Data, 10, "default limit")
		assert.True(t, it.PaymentIntentList().HasMore)
	})
}

func TestCreatedFilters(t *testing.T) {
	t.Parallel()
	clock := &testClock{}
	f := setup(t, Options{Now: clock.Now})
	base := int64(1_790_000_000)
	ids := map[int64]string{}
	for _, at := range []int64{base, base + 10, base + 20} {
		clock.Set(time.Unix(at, 0))
		_, ch := f.pay(t, "a@example.test", 500)
		ids[at] = ch
	}
	tests := []struct {
		name  string
		apply func(*stripe.ChargeListParams)
		want  []string
	}{
		{"created=", func(p *stripe.ChargeListParams) { p.Created = stripe.Int64(base + 10) }, []string{ids[base+10]}},
		{"gte", func(p *stripe.ChargeListParams) {
			p.CreatedRange = &stripe.RangeQueryParams{GreaterThanOrEqual: base + 10}
		},
			[]string{ids[base+20], ids[base+10]}},
		{"gt", func(p *stripe.ChargeListParams) { p.CreatedRange = &stripe.RangeQueryParams{GreaterThan: base + 10} },
			[]string{ids[base+20]}},
		{"lt", func(p *stripe.ChargeListParams) { p.CreatedRange = &stripe.RangeQueryParams{LesserThan: base + 10} },
			[]string{ids[base]}},
		{"lte and gte", func(p *stripe.ChargeListParams) {
			p.CreatedRange = &stripe.RangeQueryParams{LesserThanOrEqual: base + 10, GreaterThanOrEqual: base}
		}, []string{ids[base+10], ids[base]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &stripe.ChargeListParams{}
			tt.apply(p)
			it := f.sc.Charges.List(p)
			var got []string
			for it.Next() {
				got = append(got, it.Charge().ID)
				assert.Equal(t, int64(500), it.Charge().Amount)
			}
			require.NoError(t, it.Err())
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEventTypesFilter(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	cs, err := f.sc.CheckoutSessions.New(sessionParams("order_ev"))
	require.NoError(t, err)
	f.mustControl(t, http.StatusOK, "POST", "/_sim/checkout/"+cs.ID+"/pay", map[string]string{"card": "4242424242424242"})
	_, ch := f.pay(t, "orphan@example.test", 700)
	f.mustControl(t, http.StatusOK, "POST", "/_sim/charges/"+ch+"/refund", nil)

	list := func(p *stripe.EventListParams) []string {
		it := f.sc.Events.List(p)
		var got []string
		for it.Next() {
			ev := it.Event()
			assert.Equal(t, "2023-10-16", ev.APIVersion)
			assert.NotEmpty(t, ev.Data.Raw)
			got = append(got, string(ev.Type))
		}
		require.NoError(t, it.Err())
		return got
	}
	assert.Equal(t, []string{"charge.refunded", "checkout.session.completed"}, list(&stripe.EventListParams{
		Types: stripe.StringSlice([]string{"checkout.session.completed", "charge.refunded"})}))
	assert.Equal(t, []string{"charge.refunded", "charge.succeeded", "charge.succeeded"},
		list(&stripe.EventListParams{Type: stripe.String("charge.*")}))
	assert.Equal(t, []string{"refund.created", "charge.refunded", "payment_intent.succeeded", "charge.succeeded",
		"checkout.session.completed", "payment_intent.succeeded", "charge.succeeded"}, list(&stripe.EventListParams{}),
		"all events, newest first")

	tooMany := make([]string, 21)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("t%d", i)
	}
	var inv *stripe.InvalidRequestError
	require.ErrorAs(t, f.sc.Events.List(&stripe.EventListParams{Types: stripe.StringSlice(tooMany)}).Err(), &inv)
}

func TestListExpand(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	pi, ch := f.pay(t, "x@example.test", 900)
	p := &stripe.PaymentIntentListParams{}
	p.AddExpand("data.latest_charge")
	it := f.sc.PaymentIntents.List(p)
	require.True(t, it.Next(), it.Err())
	assert.Equal(t, pi, it.PaymentIntent().ID)
	assert.Equal(t, ch, it.PaymentIntent().LatestCharge.ID)
	assert.Equal(t, int64(900), it.PaymentIntent().LatestCharge.Amount, "expanded, not just an id")

	cp := &stripe.ChargeParams{}
	cp.AddExpand("payment_intent")
	got, err := f.sc.Charges.Get(ch, cp)
	require.NoError(t, err)
	assert.Equal(t, stripe.PaymentIntentStatusSucceeded, got.PaymentIntent.Status)
}
