package health

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Outages watches a dependency by pinging it and remembers each time it
// stopped answering until it is reported. The alert for a database outage
// can only be written once the database answers again (the alert state and
// the outbox live in it), so the outage is kept here until then.
type Outages struct {
	mu      sync.Mutex
	down    *time.Time // the current outage's start, nil while up
	lastErr string
	pending []Outage // over and not yet reported, oldest first
}

// Outage is one stretch of time the dependency did not answer.
type Outage struct {
	From, To time.Time
	Err      string
}

func (o Outage) String() string {
	return fmt.Sprintf("unreachable from %s to %s (%s): %s", o.From.UTC().Format(time.RFC3339),
		o.To.UTC().Format(time.RFC3339), o.To.Sub(o.From).Round(time.Second), o.Err)
}

// Record notes the result of one ping at at.
func (w *Outages) Record(at time.Time, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err != nil && w.down == nil:
		w.down, w.lastErr = &at, err.Error()
	case err != nil:
		w.lastErr = err.Error()
	case w.down != nil:
		w.pending = append(w.pending, Outage{From: *w.down, To: at, Err: w.lastErr})
		w.down = nil
	}
}

// Oldest returns the oldest outage that is over and not yet reported.
func (w *Outages) Oldest() (Outage, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		return Outage{}, false
	}
	return w.pending[0], true
}

// Reported forgets the outage Oldest returned, once its alert is stored.
func (w *Outages) Reported(o Outage) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 && w.pending[0] == o {
		w.pending = w.pending[1:]
	}
}

// Watch pings every interval until ctx ends, each ping bounded by interval.
func (w *Outages) Watch(ctx context.Context, interval time.Duration, ping func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, interval)
		err := ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		w.Record(time.Now(), err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
