package console

import (
	"context"
	"slices"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// ChartDays is how many days the dashboard's chart covers.
const ChartDays = 30

// Dashboard is the console's first page: what is open, what it is worth,
// what is due, how payments and fulfilment compare, and how reconciliation
// is running.
type Dashboard struct {
	Open      []KindCount // kinds with open mismatches, in DESIGN section 6's order
	OpenTotal int
	AtRisk    []store.MoneyAtRisk
	Disputes  []Row // open disputes, the nearest deadline first
	Days      []store.OrderDay
	Sweeps    []store.ReconRun // the latest sweeps, newest first
	CatchUps  []store.ReconRun // the latest event catch-ups, newest first
}

// KindCount is how many mismatches of one kind are open.
type KindCount struct {
	Kind  string
	Label string
	Count int
}

// dashboardDisputes and dashboardRuns bound the dashboard's lists; the
// queue and the runs page have the rest.
const (
	dashboardDisputes = 10
	dashboardSweeps   = 5
	dashboardCatchUps = 3
)

// Dashboard reads the dashboard.
func (s *Service) Dashboard(ctx context.Context) (Dashboard, error) {
	now := s.now()
	counts, err := s.store.OpenMismatchCounts(ctx)
	if err != nil {
		return Dashboard{}, err
	}
	d := Dashboard{}
	for _, k := range kindsOf(counts) {
		d.Open = append(d.Open, KindCount{Kind: k, Label: KindLabel(k), Count: counts[k]})
		d.OpenTotal += counts[k]
	}
	if d.AtRisk, err = s.store.OpenMismatchAmounts(ctx); err != nil {
		return Dashboard{}, err
	}
	disputes, err := s.store.OpenDisputes(ctx, dashboardDisputes)
	if err != nil {
		return Dashboard{}, err
	}
	for _, m := range disputes {
		d.Disputes = append(d.Disputes, row(m, now))
	}
	if d.Days, err = s.store.OrdersByDay(ctx, now, ChartDays); err != nil {
		return Dashboard{}, err
	}
	if d.Sweeps, err = s.store.ReconRuns(ctx, "sweep", dashboardSweeps); err != nil {
		return Dashboard{}, err
	}
	if d.CatchUps, err = s.store.ReconRuns(ctx, "events", dashboardCatchUps); err != nil {
		return Dashboard{}, err
	}
	return d, nil
}

// kindsOf lists the kinds in counts: the known ones in their order, then
// any other (a kind a newer release added) by name.
func kindsOf(counts map[string]int) []string {
	var out []string
	known := map[string]bool{}
	for _, k := range billing.Kinds {
		known[k] = true
		if counts[k] > 0 {
			out = append(out, k)
		}
	}
	var other []string
	for k, n := range counts {
		if !known[k] && n > 0 {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}
