package console

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// fakeProcessor answers after delay, with err when set; calls counts them.
type fakeProcessor struct {
	delay time.Duration
	err   error
	calls int
}

func (f *fakeProcessor) wait(ctx context.Context) error {
	f.calls++
	select {
	case <-time.After(f.delay):
		return f.err
	case <-ctx.Done():
		return apperr.Wrap(apperr.Unavailable, "processor timed out", ctx.Err())
	}
}

func (f *fakeProcessor) GetPaymentIntent(ctx context.Context, id string) (billing.Payment, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Payment{}, err
	}
	return billing.Payment{ID: id, Status: "succeeded", LatestChargeID: "ch_1"}, nil
}

func (f *fakeProcessor) GetCharge(ctx context.Context, id string) (billing.Charge, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Charge{}, err
	}
	return billing.Charge{ID: id, Status: "succeeded"}, nil
}

func (f *fakeProcessor) GetCheckoutSession(ctx context.Context, id string) (billing.Session, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Session{}, err
	}
	return billing.Session{ID: id, Status: "expired"}, nil
}

func (f *fakeProcessor) GetSubscription(ctx context.Context, id string) (billing.Subscription, error) {
	if err := f.wait(ctx); err != nil {
		return billing.Subscription{}, err
	}
	return billing.Subscription{ID: id, Status: "past_due"}, nil
}

func liveService(p Processor, timeout time.Duration) *Service {
	return New(nil, p, nil, Options{LiveTimeout: timeout, Now: func() time.Time { return now }})
}

func withPayment(pi string) store.MismatchDetail {
	return store.MismatchDetail{MismatchSummary: store.MismatchSummary{ID: 1, PaymentIntentID: pi}}
}

func TestLiveAsksForThePaymentAndItsCharge(t *testing.T) {
	t.Parallel()
	p := &fakeProcessor{}
	l := liveService(p, time.Second).live(context.Background(), withPayment("pi_1"), nil)
	assert.False(t, l.Unreachable)
	assert.Equal(t, "pi_1", l.Payment.ID)
	assert.Equal(t, "ch_1", l.Charge.ID, "the payment's latest charge")
	assert.Equal(t, now, l.FetchedAt)

	cs := store.MismatchDetail{CheckoutSessionID: "cs_1"}
	l = liveService(p, time.Second).live(context.Background(), cs, nil)
	assert.Equal(t, "expired", l.Session.Status, "no payment: the checkout session")

	l = liveService(p, time.Second).live(context.Background(), store.MismatchDetail{}, nil)
	assert.True(t, l.Nothing)
	order := &store.CaseOrder{PaymentIntentID: "pi_2"}
	l = liveService(p, time.Second).live(context.Background(), store.MismatchDetail{}, order)
	assert.Equal(t, "pi_2", l.Payment.ID, "the order's payment when the mismatch names none")
}

// TestLiveGivesUpOnASlowProcessor: the page waits LiveTimeout at most, then
// says the processor could not be reached; it asks nothing more.
func TestLiveGivesUpOnASlowProcessor(t *testing.T) {
	t.Parallel()
	p := &fakeProcessor{delay: 10 * time.Second}
	m := withPayment("pi_1")
	m.ChargeID = "ch_1"
	start := time.Now()
	l := liveService(p, 50*time.Millisecond).live(context.Background(), m, nil)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.True(t, l.Unreachable)
	assert.Nil(t, l.Payment)
	assert.Equal(t, 1, p.calls, "no charge call after the payment call failed")
}

func TestLiveSaysWhatTheProcessorDoesNotHave(t *testing.T) {
	t.Parallel()
	p := &fakeProcessor{err: apperr.New(apperr.NotFound, "no such payment")}
	l := liveService(p, time.Second).live(context.Background(), withPayment("pi_gone"), nil)
	assert.False(t, l.Unreachable, "an answer, not an outage")
	assert.Equal(t, []string{"payment pi_gone"}, l.Missing)

	p = &fakeProcessor{err: apperr.New(apperr.Unavailable, "503")}
	l = liveService(p, time.Second).live(context.Background(), withPayment("pi_1"), nil)
	assert.True(t, l.Unreachable)
}
