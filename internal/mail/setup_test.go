package mail

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
)

// fakeEnqueuer records the jobs asked for. It runs a statement on the
// transaction it is given, so a closed or foreign transaction fails the test.
type fakeEnqueuer struct {
	mu  sync.Mutex
	ids []int64
}

func (f *fakeEnqueuer) EnqueueEmailTx(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM email_messages WHERE id = $1`, id).Scan(&n); err != nil {
		return err
	}
	if n != 1 {
		return sql.ErrNoRows
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, id)
	return nil
}

func (f *fakeEnqueuer) enqueued() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.ids...)
}

// fakeSender records what it is asked to send and answers with err.
type fakeSender struct {
	mu   sync.Mutex
	sent []Outgoing
	err  error
}

func (f *fakeSender) Send(_ context.Context, m Outgoing) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, m)
	return f.err
}

func (f *fakeSender) calls() []Outgoing {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Outgoing(nil), f.sent...)
}

func (f *fakeSender) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// queue seeds the templates if needed and queues one email in its own
// transaction, returning whether it queued.
func queue(t *testing.T, st *store.Store, ob *Outbox, req QueueRequest) bool {
	t.Helper()
	require.NoError(t, SeedDefaults(t.Context(), st))
	var queued bool
	require.NoError(t, st.InTx(t.Context(), func(tx *store.Tx) (err error) {
		queued, err = ob.QueueTx(t.Context(), tx, req)
		return err
	}))
	return queued
}

func confirmation(key string) QueueRequest {
	d := SampleData()
	return QueueRequest{Template: OrderConfirmation, To: d.Email, DedupeKey: key, Data: d}
}
