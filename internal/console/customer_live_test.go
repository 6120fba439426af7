package console

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// customerWith is a customer page with subs subscriptions and payments
// payments on its timeline, each payment with a charge.
func customerWith(subs, payments int) *CustomerFile {
	f := &CustomerFile{}
	for i := range subs {
		f.Subscriptions = append(f.Subscriptions, CustomerSubscription{SubscriptionRow: store.SubscriptionRow{ID: "sub_" + itoa(i)}})
	}
	for i := range payments {
		f.Timeline = append(f.Timeline, store.CustomerItem{Source: "payment", Ref: "pi_" + itoa(i), Detail: "ch_" + itoa(i)})
	}
	return f
}

func itoa(i int) string { return string(rune('a' + i)) }

// TestCustomerLiveFactsShareOneBudget: the subscriptions are asked first,
// each once, and the payments fill what is left of the page's budget.
func TestCustomerLiveFactsShareOneBudget(t *testing.T) {
	t.Parallel()
	p := &fakeProcessor{}
	f := customerWith(2, 6)
	liveService(p, time.Second).liveFacts(context.Background(), f)
	assert.False(t, f.Unreachable)
	for _, sub := range f.Subscriptions {
		if assert.NotNil(t, sub.Live, sub.ID) {
			assert.Equal(t, "past_due", sub.Live.Status)
		}
	}
	assert.Len(t, f.Payments, liveObjects-2, "the payments get what the subscriptions left")
	assert.Equal(t, 2+2*(liveObjects-2), p.calls, "one call per subscription, two per payment")
	assert.Equal(t, now, f.FetchedAt)

	many := customerWith(liveObjects+2, 1)
	liveService(&fakeProcessor{}, time.Second).liveFacts(context.Background(), many)
	assert.Nil(t, many.Subscriptions[liveObjects].Live, "past the budget, not asked")
	assert.Empty(t, many.Payments)
}

// TestCustomerLiveFactsStopAtTheFirstFailure: a processor that is down is
// asked once, and the page says it could not be reached.
func TestCustomerLiveFactsStopAtTheFirstFailure(t *testing.T) {
	t.Parallel()
	p := &fakeProcessor{err: apperr.Wrap(apperr.Unavailable, "down", errors.New("503"))}
	f := customerWith(2, 3)
	liveService(p, time.Second).liveFacts(context.Background(), f)
	assert.True(t, f.Unreachable)
	assert.Equal(t, 1, p.calls)
	assert.Nil(t, f.Subscriptions[0].Live)
	assert.Empty(t, f.Payments)

	missing := &fakeProcessor{err: apperr.New(apperr.NotFound, "no such subscription")}
	f = customerWith(1, 0)
	liveService(missing, time.Second).liveFacts(context.Background(), f)
	assert.False(t, f.Unreachable)
	assert.True(t, f.Subscriptions[0].Missing)
}
