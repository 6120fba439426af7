package recon

import (
	"context"
	"encoding/json"
	"time"

	"github.com/backstophq/backstop/internal/store"
)

// Probe tells what is wrong with a dependency the alerter watches: the
// outgoing mail, the processor, the database.
type Probe interface {
	Probe(ctx context.Context) (Finding, error)
}

// ProbeFunc adapts a function to Probe.
type ProbeFunc func(ctx context.Context) (Finding, error)

// Probe calls f.
func (f ProbeFunc) Probe(ctx context.Context) (Finding, error) { return f(ctx) }

// Finding is what a probe found.
type Finding struct {
	// Problem is the trouble in words, "" when the dependency is fine.
	Problem string
	// Over marks a problem that already ended before it could be stored (a
	// database outage, seen once the database answers again): the alert
	// is raised and cleared in one check, one email each.
	Over bool
	// Stored, if set, is called once the check that saw an Over finding
	// has committed, so the probe does not report it again.
	Stored func()
	// From and To, when set on an Over finding, are when the outage began
	// and ended (the check itself only sees it afterwards).
	From, To time.Time
}

// checkProbe moves a probe watch's alert state, under the same row lock
// and with the same once-per-outage emails as a kind of run.
func (a *Alerter) checkProbe(ctx context.Context, w Watch) error {
	f, err := w.Probe.Probe(ctx)
	if err != nil {
		return err
	}
	problem := ""
	if f.Problem != "" {
		problem = w.What + ": " + f.Problem
	}
	now := a.Now()
	var raised bool
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		st, err := loadAlertState(ctx, tx, w.Kind, now)
		if err != nil {
			return err
		}
		if st, err = a.transition(ctx, tx, w, st, problem, now); err != nil {
			return err
		}
		if f.Over && st.Raised {
			if st, err = a.transition(ctx, tx, w, st, "", now); err != nil {
				return err
			}
			if !f.From.IsZero() && !f.To.IsZero() {
				st.Last.From, st.Last.To = f.From, f.To
			}
		}
		raised = st.Raised
		return saveAlertState(ctx, tx, w.Kind, st)
	})
	a.Metrics.setHealth(w.Kind, nil, raised)
	if err == nil && f.Over && f.Stored != nil {
		f.Stored()
	}
	return err
}

// dependencyTold reports whether a dependency's alert is raised, or
// recovered less than its cooldown ago: a sweep or catch-up that failed or
// stalled meanwhile failed because of it. A state that cannot be read
// holds nothing back.
func (a *Alerter) dependencyTold(ctx context.Context, now time.Time) bool {
	for _, w := range a.Watches {
		if w.Probe == nil {
			continue
		}
		v, err := a.Store.ReconState(ctx, alertStateName(w.Kind))
		if err != nil {
			continue
		}
		var st alertState
		if json.Unmarshal([]byte(v), &st) != nil {
			continue
		}
		if st.Raised || (!st.RecoveredAt.IsZero() && now.Sub(st.RecoveredAt) < cooldown(w)) {
			return true
		}
	}
	return false
}
