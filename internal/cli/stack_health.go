package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// dbPingInterval is how often each process pings the database to notice an
// outage it must report once the database answers again.
const dbPingInterval = time.Second

// dependencyWatches are the alerter's probe watches: the outgoing mail
// (from the outbox's rows), the processor (from this process's calls) and
// the database (from this process's pings). Each raises one alert per
// outage and one recovery notice, like a failing kind of run.
func dependencyWatches(st *store.Store, proc *health.Calls, db *health.Outages) []recon.Watch {
	return []recon.Watch{
		{Kind: "mail", What: "outgoing mail", Probe: mailProbe(st)},
		{Kind: "processor", What: "the payment processor", Probe: processorProbe(proc)},
		{Kind: "database", What: "the database", Probe: databaseProbe(db, st.DB().PingContext)},
	}
}

func mailProbe(st *store.Store) recon.Probe {
	return recon.ProbeFunc(func(ctx context.Context) (recon.Finding, error) {
		b, err := st.MailBacklog(ctx)
		if err != nil || b.Waiting == 0 {
			return recon.Finding{}, err
		}
		return recon.Finding{Problem: fmt.Sprintf("%d emails waiting to be sent since %s; the last attempt failed: %s",
			b.Waiting, b.Oldest.UTC().Format(time.RFC3339), b.LastError)}, nil
	})
}

func processorProbe(calls *health.Calls) recon.Probe {
	return recon.ProbeFunc(func(context.Context) (recon.Finding, error) {
		return recon.Finding{Problem: calls.Problem()}, nil
	})
}

// databaseProbe reports an outage once it is over: while it lasts, no
// alert state or email can be stored. It pings first, so an outage the
// once-a-second pings have not yet seen end is told in this check, before
// the runs it stalled are judged.
func databaseProbe(outages *health.Outages, ping func(context.Context) error) recon.Probe {
	return recon.ProbeFunc(func(ctx context.Context) (recon.Finding, error) {
		if err := ping(ctx); err != nil {
			return recon.Finding{}, err
		}
		outages.Record(time.Now(), nil)
		o, ok := outages.Oldest()
		if !ok {
			return recon.Finding{}, nil
		}
		return recon.Finding{Problem: o.String(), Over: true, Stored: func() { outages.Reported(o) },
			From: o.From, To: o.To}, nil
	})
}

// liveProblems are the troubles of the mail and the processor now, for
// /readyz, which should not wait for the next alert check to say so.
func liveProblems(ctx context.Context, watches []recon.Watch) []string {
	var lines []string
	for _, w := range watches {
		if w.Probe == nil || w.Kind == "database" {
			continue
		}
		f, err := w.Probe.Probe(ctx)
		switch {
		case err != nil:
			lines = append(lines, fmt.Sprintf("%s: unknown (%s)", w.What, err))
		case f.Problem != "":
			lines = append(lines, fmt.Sprintf("trouble: %s: %s", w.What, f.Problem))
		}
	}
	return lines
}
