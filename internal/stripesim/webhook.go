package stripesim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

const (
	pollEvery  = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// loop delivers due webhooks and expires sessions past expires_at, every
// 100ms, until ctx ends.
func (s *Server) loop(ctx context.Context) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.locked(s.expireDue)
			s.deliver(ctx, s.claim(false))
		}
	}
}

// expireDue expires every open session whose expires_at has passed on the
// simulated clock. The caller holds s.mu.
func (s *Server) expireDue() {
	now := s.now().Unix()
	for _, rec := range s.st.Sessions.items {
		if rec.Session.Status == "open" && rec.Session.ExpiresAt <= now {
			s.expire(rec, eventRequest{})
		}
	}
}

// claim takes the deliveries that are due (all of them when force is set),
// in creation order or reversed in reorder mode, and marks them in flight.
// Without a WebhookURL (a restart without one) they stay pending.
func (s *Server) claim(force bool) []*delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.WebhookURL == "" {
		return nil
	}
	now := time.Now()
	var batch []*delivery
	for _, d := range s.st.Deliveries {
		if !d.inFlight && (force || !d.NextAt.After(now)) {
			d.inFlight = true
			batch = append(batch, d)
		}
	}
	if s.faults.webhooks.reorder {
		slices.Reverse(batch)
	}
	return batch
}

// retryNow is POST /_sim/webhooks/retry: every pending delivery, now.
func (s *Server) retryNow(w http.ResponseWriter, r *http.Request) {
	batch := s.claim(true)
	s.deliver(r.Context(), batch)
	writeJSON(w, http.StatusOK, map[string]int{"attempted": len(batch)})
}

func (s *Server) deliver(ctx context.Context, batch []*delivery) {
	for i, d := range batch {
		if ctx.Err() != nil {
			s.release(batch[i:])
			return
		}
		s.attempt(ctx, d)
	}
}

// release hands unattempted deliveries back to the queue.
func (s *Server) release(batch []*delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range batch {
		d.inFlight = false
	}
}

// attempt POSTs one event, signed afresh, and records the outcome: a 2xx
// removes the delivery, anything else schedules a retry with backoff.
func (s *Server) attempt(ctx context.Context, d *delivery) {
	s.mu.Lock()
	ev, ok := s.st.Events.get(d.EventID)
	var body []byte
	if ok {
		body, _ = json.Marshal(ev)
	}
	s.mu.Unlock()
	err := fmt.Errorf("event %s is gone", d.EventID)
	if ok {
		err = s.post(ctx, body)
	}
	s.locked(func() { s.settle(d, ev, err) })
}

func (s *Server) settle(d *delivery, ev *event, err error) {
	d.inFlight = false
	s.dirty = true
	if err == nil || ev == nil {
		s.st.Deliveries = slices.DeleteFunc(s.st.Deliveries, func(x *delivery) bool { return x == d })
	}
	if err == nil {
		s.st.Webhooks.Delivered++
		ev.PendingWebhooks = max(0, ev.PendingWebhooks-1)
		return
	}
	s.st.Webhooks.FailedAttempts++
	d.Attempts++
	d.NextAt = time.Now().Add(s.backoff(d.Attempts))
	s.log.Warn("stripesim: webhook delivery failed", "event_id", d.EventID, "attempts", d.Attempts, "err", err)
}

// backoff doubles from WebhookRetryBase per failed attempt, capped at 30s;
// retries go on for as long as the simulator runs.
func (s *Server) backoff(attempts int) time.Duration {
	d := s.opts.WebhookRetryBase
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

func (s *Server) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.opts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", sign(s.opts.WebhookSecret, time.Now(), body))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

// sign builds Stripe's header: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>,
// with no spaces, over the exact bytes sent.
func sign(secret string, t time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", t.Unix())
	mac.Write(body)
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac.Sum(nil)))
}
