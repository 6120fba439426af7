package mail

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/store"
)

// deliverSetup queues one order confirmation and returns its id with a
// Deliverer over a fake sender.
func deliverSetup(t *testing.T) (*store.Store, *Deliverer, *fakeSender, int64) {
	t.Helper()
	st := store.New(dbtest.New(t))
	enq := &fakeEnqueuer{}
	require.True(t, queue(t, st, NewOutbox(st, enq, "example.com"), confirmation("k")))
	sender := &fakeSender{}
	return st, NewDeliverer(st, sender, "shop@example.com", nil, discardLogger()), sender, enq.enqueued()[0]
}

func TestDeliverSendsOnceAndMarksSent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, d, sender, id := deliverSetup(t)

	require.NoError(t, d.Deliver(ctx, id))
	require.NoError(t, d.Deliver(ctx, id), "a retried job after success is a no-op")

	calls := sender.calls()
	require.Len(t, calls, 1, "sent once")
	m, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, Outgoing{
		From: "shop@example.com", To: m.To, Subject: m.Subject, HTML: m.HTMLBody, Text: m.TextBody, MessageID: m.MessageID,
	}, calls[0])
	assert.Equal(t, store.EmailSent, m.Status)
	assert.Equal(t, 1, m.Attempts)
	assert.NotNil(t, m.SentAt)
}

func TestDeliverTemporaryFailureIsRecordedAndRetried(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, d, sender, id := deliverSetup(t)
	sender.fail(errors.New("451 4.3.0 try again later"))

	err := d.Deliver(ctx, id)
	require.Error(t, err)
	assert.False(t, apperr.Is(err, apperr.Invalid), "temporary: the job retries")
	m, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailQueued, m.Status)
	assert.Equal(t, 1, m.Attempts)
	assert.Contains(t, m.LastError, "451 4.3.0 try again later")

	sender.fail(nil)
	require.NoError(t, d.Deliver(ctx, id))
	m, err = st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, m.Status)
	assert.Equal(t, 2, m.Attempts)
	assert.Len(t, sender.calls(), 2)
}

func TestDeliverPermanentFailureMarksFailed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, d, sender, id := deliverSetup(t)
	sender.fail(apperr.Wrap(apperr.Invalid, "refused", errors.New("550 5.1.1 no such user")))

	err := d.Deliver(ctx, id)
	assert.True(t, apperr.Is(err, apperr.Invalid), "permanent: %v", err)
	m, err := st.EmailMessage(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailFailed, m.Status)
	assert.Contains(t, m.LastError, "550 5.1.1 no such user")

	sender.fail(nil)
	err = d.Deliver(ctx, id)
	assert.True(t, apperr.Is(err, apperr.Invalid), "a failed email stays failed: %v", err)
	assert.Len(t, sender.calls(), 1, "and is not sent again")
}

func TestDeliverUnknownEmailIsNotFound(t *testing.T) {
	t.Parallel()
	_, d, sender, id := deliverSetup(t)
	err := d.Deliver(t.Context(), id+1000)
	assert.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
	assert.Empty(t, sender.calls())
}

func TestDevMailboxAccepts(t *testing.T) {
	t.Parallel()
	st, _, _, id := deliverSetup(t)
	d := NewDeliverer(st, DevMailbox{}, "shop@example.com", nil, discardLogger())
	require.NoError(t, d.Deliver(t.Context(), id))
	m, err := st.EmailMessage(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, store.EmailSent, m.Status)
}

func TestTruncateKeepsRunes(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "abc", truncate("abc", 5))
	assert.Equal(t, "ab…", truncate("abcdef", 2))
	assert.Equal(t, "a…", truncate("aé", 2), "never cuts a rune in half")
}
