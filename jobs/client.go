// Package jobs holds Backstop's River workers (one file per job kind) and the
// periodic schedule. River runs on the same PostgreSQL as the app through
// lib/pq (riverdatabasesql), so a job is inserted in the transaction that
// asks for it and exists if and only if that transaction commits. lib/pq has
// no LISTEN/NOTIFY support in River, so the client polls.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
)

// pollInterval bounds how long a committed job waits before a worker sees it.
const pollInterval = 200 * time.Millisecond

// Client is River's client over database/sql transactions.
type Client = river.Client[*sql.Tx]

// Options configures NewClient.
type Options struct {
	Logger   *slog.Logger
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	// Work is false for a client that only inserts jobs (none run here).
	Work bool
}

// NewClient returns a River client on db.
func NewClient(db *sql.DB, opts Options) (*Client, error) {
	cfg := &river.Config{
		Logger:            opts.Logger,
		PollOnly:          true,
		FetchPollInterval: pollInterval,
		Workers:           opts.Workers,
		// A job whose process died mid-run stays "running" until the rescuer
		// (every 30 s, on the leader) sees it older than RescueStuckJobsAfter.
		// Short values bound that window: an email interrupted by a crash
		// goes out again within about a minute. Workers that need longer
		// (the sweep) override Timeout.
		JobTimeout:           20 * time.Second,
		RescueStuckJobsAfter: 25 * time.Second,
	}
	if opts.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
		cfg.PeriodicJobs = opts.Periodic
	}
	c, err := river.NewClient(riverdatabasesql.New(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

// Enqueuer inserts Backstop's jobs inside a caller's transaction.
type Enqueuer struct {
	client *Client
}

// NewEnqueuer returns an Enqueuer on client.
func NewEnqueuer(client *Client) *Enqueuer { return &Enqueuer{client: client} }

// EnqueueEmailTx asks for the delivery of a stored email message.
func (e *Enqueuer) EnqueueEmailTx(ctx context.Context, tx *sql.Tx, messageID int64) error {
	if _, err := e.client.InsertTx(ctx, tx, SendEmailArgs{MessageID: messageID}, nil); err != nil {
		return fmt.Errorf("enqueue email %d: %w", messageID, err)
	}
	return nil
}
