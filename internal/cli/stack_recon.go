package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/jobs"
)

// reconParts are the sweep and the dead man's switch, wired in two steps
// because billing and the outbox need the job client that runs them.
type reconParts struct {
	sweeper *recon.Sweeper
	alerter *recon.Alerter
	logger  *slog.Logger
}

func newRecon(cfg config.Config, st *store.Store, proc recon.Lister, deps []recon.Watch, logger *slog.Logger, reg prometheus.Registerer) *reconParts {
	metrics := recon.NewMetrics(reg)
	watches := []recon.Watch{{Kind: "sweep", Interval: cfg.ReconSweepInterval}, {Kind: "events", Interval: cfg.ReconEventsInterval}}
	alerter := recon.NewAlerter(recon.Alerter{
		Store: st, Email: cfg.AlertEmail, Metrics: metrics, Logger: logger,
		Watches: append(watches, deps...),
	})
	sweeper := recon.NewSweeper(recon.Sweeper{
		Store: st, Proc: proc, Faults: cfg.Faults, Metrics: metrics, Logger: logger, Alerts: alerter,
		Lookback: cfg.ReconLookback, Grace: cfg.ReconGrace, RenewalGrace: cfg.RenewalGrace,
	})
	return &reconParts{sweeper: sweeper, alerter: alerter, logger: logger}
}

// register adds the workers and returns the periodic jobs.
func (r *reconParts) register(workers *river.Workers, cfg config.Config) []*river.PeriodicJob {
	river.AddWorker(workers, &jobs.SweepWorker{Sweeper: r.sweeper, Logger: r.logger})
	river.AddWorker(workers, &jobs.AlertCheckWorker{Alerter: r.alerter})
	// The switch is checked every minute, or as often as catch-up runs when
	// that is shorter: an outage is told no later than catch-up could see it.
	check := min(jobs.AlertCheckInterval, cfg.ReconEventsInterval)
	return []*river.PeriodicJob{jobs.SweepPeriodic(cfg.ReconSweepInterval), jobs.AlertCheckPeriodic(check)}
}

// connect gives the sweep its healer and the alerts their mailer.
func (r *reconParts) connect(b *billing.Service, outbox *mail.Outbox, baseURL string) {
	r.sweeper.Healer = b
	r.alerter.Mailer = alertMailer{outbox: outbox, consoleURL: baseURL + "/console/"}
}

// alertMailer queues staff_alert emails through the outbox.
type alertMailer struct {
	outbox     *mail.Outbox
	consoleURL string
}

func (m alertMailer) QueueAlertTx(ctx context.Context, tx *store.Tx, to, subject, body, key string) error {
	_, err := m.outbox.QueueTx(ctx, tx, mail.QueueRequest{
		Template: mail.StaffAlert, To: to, DedupeKey: key,
		Data: mail.Data{AlertSubject: subject, AlertBody: body, StatusURL: m.consoleURL},
	})
	return err
}

// readiness is /readyz: the database's readiness, plus a line for each
// raised alert and for the mail's or the processor's trouble now.
type readiness struct {
	*store.Store
	alerter *recon.Alerter
	// outages learns of a failed ping here too, so an outage /readyz
	// reported is one the database alert will tell.
	outages *health.Outages
}

func (r readiness) Ready(ctx context.Context) error {
	err := r.Store.Ready(ctx)
	if apperr.Is(err, apperr.Unavailable) && r.Store.DB().PingContext(ctx) != nil {
		r.outages.Record(time.Now(), err)
	}
	return err
}

func (r readiness) ReadyDetail(ctx context.Context) []string {
	statuses, err := r.alerter.Status(ctx)
	if err != nil {
		return []string{"alerts: unknown (" + err.Error() + ")"}
	}
	var lines []string
	for _, st := range statuses {
		if !st.Raised {
			continue
		}
		reason := st.Kind + " reconciliation: " + st.Reason
		if st.What != "" {
			reason = st.Reason // a dependency's reason starts with its name
		}
		lines = append(lines, fmt.Sprintf("alert: %s (since %s)", reason, st.Since.UTC().Format(time.RFC3339)))
	}
	return append(lines, liveProblems(ctx, r.alerter.Watches)...)
}
