package recon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// AlertMailer queues one staff alert email in the caller's transaction,
// once per dedupe key.
type AlertMailer interface {
	QueueAlertTx(ctx context.Context, tx *store.Tx, to, subject, body, dedupeKey string) error
}

// Watch is one kind of run the dead man's switch watches, or, with a
// Probe, one dependency whose trouble raises the same kind of alert.
type Watch struct {
	Kind     string // sweep | events | mail | processor | database
	Interval time.Duration
	// Probe, when set, replaces the runs' health: it tells what is wrong
	// with a dependency now (see alert_probe.go).
	Probe Probe
	// What names the dependency in the emails and on /readyz, e.g.
	// "outgoing mail"; only for probe watches.
	What string
}

// Alerter is the dead man's switch: a kind of run whose last run failed, or
// that has not completed for twice its interval, raises an alert — one
// email to Email and a metric — and clears it, with one more email, when a
// run completes again. The events alert is also raised while a processor
// event that catch-up gave up on waits for a person (its event_failed
// mismatch is open), and clears once staff have dealt with it. Probe
// watches (alert_probe.go) do the same for the mail, the processor and the
// database. The state lives in recon_state and changes under a
// row lock, so any number of processes checking every minute send each
// email once; a job that flaps within the cooldown sends no more until its
// problem lasts a whole cooldown.
type Alerter struct {
	Store   *store.Store
	Mailer  AlertMailer
	Email   string // ALERT_EMAIL; empty means log and metric only
	Watches []Watch
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time
}

// alertState is the JSON kept in recon_state under "alert_<kind>".
type alertState struct {
	Raised bool      `json:"raised"`
	Reason string    `json:"reason,omitempty"`
	Count  int       `json:"count"`          // how many times it was raised, for dedupe keys
	Since  time.Time `json:"since,omitzero"` // when it was raised
	// Watching is when the switch first looked at this kind: a kind that
	// never completed a run is overdue from then.
	Watching time.Time `json:"watching"`
	// RecoveredAt is when the last alert cleared; Quiet marks an alert
	// raised within the cooldown after it, not emailed (yet).
	RecoveredAt time.Time `json:"recovered_at,omitzero"`
	Quiet       bool      `json:"quiet,omitempty"`
	// Last is the newest outage that is over, kept across raises so
	// incident mode can offer its window.
	Last Outage `json:"last,omitzero"`
}

// Outage is one stretch of trouble an alert saw, from its start to its
// recovery.
type Outage struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// AlertStatus is the current alert state of one kind of run.
type AlertStatus struct {
	Kind   string
	What   string // the dependency's name, for a probe watch
	Raised bool
	Reason string
	Since  time.Time
	// LastOutage is the newest outage of this kind that is over (zero if none).
	LastOutage Outage
}

// Check evaluates every watch once: the dependencies first, so that a run
// that failed because of one finds its alert already told (see
// dependencyTold).
func (a *Alerter) Check(ctx context.Context) error {
	var errs []error
	for _, probes := range []bool{true, false} {
		for _, w := range a.Watches {
			if (w.Probe != nil) == probes {
				errs = append(errs, a.check(ctx, w))
			}
		}
	}
	return errors.Join(errs...)
}

func (a *Alerter) check(ctx context.Context, w Watch) error {
	if w.Probe != nil {
		return a.checkProbe(ctx, w)
	}
	h, err := a.Store.ReconHealth(ctx, w.Kind)
	if err != nil {
		return err
	}
	var givenUp string
	if w.Kind == "events" {
		if givenUp, err = eventFailureProblem(ctx, a.Store); err != nil {
			return err
		}
	}
	now := a.Now()
	var raised bool
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		st, err := loadAlertState(ctx, tx, w.Kind, now)
		if err != nil {
			return err
		}
		problem := diagnose(w, h, st.Watching, now)
		if problem != "" && !st.Raised && a.dependencyTold(ctx, now) {
			// The dependency's alert already says why runs fail or stall:
			// one outage, one alert. A run still failing after the
			// dependency's cooldown is told then.
			problem = ""
		}
		if problem == "" {
			problem = givenUp
		}
		if st, err = a.transition(ctx, tx, w, st, problem, now); err != nil {
			return err
		}
		raised = st.Raised
		return saveAlertState(ctx, tx, w.Kind, st)
	})
	a.Metrics.setHealth(w.Kind, h.LastSuccess, raised)
	return err
}

// cooldown is how long after a recovery a new alert of the same kind stays
// quiet: a flapping job raises and clears its state each time, but emails
// only once the problem has lasted a whole cooldown.
func cooldown(w Watch) time.Duration { return max(15*time.Minute, 2*w.Interval) }

// transition moves the alert state given the current problem ("" when
// healthy) and sends the email each move deserves.
func (a *Alerter) transition(ctx context.Context, tx *store.Tx, w Watch, st alertState, problem string, now time.Time) (alertState, error) {
	switch {
	case problem != "" && !st.Raised:
		quiet := !st.RecoveredAt.IsZero() && now.Sub(st.RecoveredAt) < cooldown(w)
		st = alertState{Raised: true, Reason: problem, Count: st.Count + 1, Since: now, Watching: st.Watching, Quiet: quiet, Last: st.Last}
		if quiet {
			a.Logger.WarnContext(ctx, "reconciliation alert raised again soon after recovering; email held back", "kind", w.Kind, "reason", problem)
			return st, nil
		}
		return st, a.send(ctx, tx, w.Kind, st, "raised", "Backstop alert: "+problem, problem)
	case problem != "" && st.Quiet && now.Sub(st.Since) >= cooldown(w):
		st.Quiet, st.Reason = false, problem
		return st, a.send(ctx, tx, w.Kind, st, "raised", "Backstop alert: "+problem, problem)
	case problem == "" && st.Raised:
		subject, body := recoveryWords(w, st)
		quiet := st.Quiet
		st = alertState{Count: st.Count, Watching: st.Watching, RecoveredAt: now,
			Last: Outage{From: st.Since, To: now, Reason: st.Reason}}
		if quiet {
			return st, nil // the customer-facing side never heard of it
		}
		return st, a.send(ctx, tx, w.Kind, st, "recovered", subject, body)
	}
	return st, nil
}

// recoveryWords are the subject and body of the email that clears st.
func recoveryWords(w Watch, st alertState) (subject, body string) {
	raised := st.Since.UTC().Format(time.RFC3339)
	if w.Probe != nil {
		return "Backstop recovered: " + w.What + " is working again",
			fmt.Sprintf("%s is working again (alert raised %s: %s).", w.What, raised, st.Reason)
	}
	return "Backstop recovered: " + w.Kind + " runs are completing again",
		fmt.Sprintf("The %s runs are healthy again (alert raised %s: %s).", w.Kind, raised, st.Reason)
}

// diagnose names what is wrong with a kind of run, or "" when nothing is.
// A kind that never completed is judged from when watching began.
func diagnose(w Watch, h store.RunHealth, watchingSince, now time.Time) string {
	if h.LastError != nil {
		return fmt.Sprintf("the last %s run (#%d) failed: %s", w.Kind, h.LastRunID, *h.LastError)
	}
	last := watchingSince
	if h.LastSuccess != nil {
		last = *h.LastSuccess
	}
	if now.Sub(last) > 2*w.Interval {
		return fmt.Sprintf("no %s run has completed since %s (expected every %s)", w.Kind, last.UTC().Format(time.RFC3339), w.Interval)
	}
	return ""
}

func (a *Alerter) send(ctx context.Context, tx *store.Tx, kind string, st alertState, what, subject, body string) error {
	log := a.Logger.ErrorContext
	if what == "recovered" {
		log = a.Logger.InfoContext
	}
	log(ctx, "reconciliation alert "+what, "kind", kind, "reason", body)
	if a.Email == "" || a.Mailer == nil {
		return nil
	}
	key := fmt.Sprintf("alert:%s:%d:%s", kind, st.Count, what)
	return a.Mailer.QueueAlertTx(ctx, tx, a.Email, subject, body, key)
}

// Status reads the alert state of every watched kind, for /readyz and the
// console.
func (a *Alerter) Status(ctx context.Context) ([]AlertStatus, error) {
	var out []AlertStatus
	for _, w := range a.Watches {
		v, err := a.Store.ReconState(ctx, alertStateName(w.Kind))
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		var st alertState
		_ = json.Unmarshal([]byte(v), &st)
		out = append(out, AlertStatus{Kind: w.Kind, What: w.What, Raised: st.Raised, Reason: st.Reason, Since: st.Since,
			LastOutage: st.Last})
	}
	return out, nil
}

func alertStateName(kind string) string { return "alert_" + kind }

func loadAlertState(ctx context.Context, tx *store.Tx, kind string, now time.Time) (alertState, error) {
	v, err := tx.LockReconState(ctx, alertStateName(kind))
	if err != nil {
		return alertState{}, err
	}
	var st alertState
	if v != "" && json.Unmarshal([]byte(v), &st) != nil {
		st = alertState{} // unreadable state: start watching afresh
	}
	if st.Watching.IsZero() {
		st.Watching = now
	}
	return st, nil
}

func saveAlertState(ctx context.Context, tx *store.Tx, kind string, st alertState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tx.SetReconState(ctx, alertStateName(kind), string(b))
}
