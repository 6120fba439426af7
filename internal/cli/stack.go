package cli

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/incident"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/internal/stripeapi"
	"github.com/backstophq/backstop/jobs"
)

// stack is one running Backstop: the database, the processor adapter, the
// workflows and the job runner, wired once from the configuration.
type stack struct {
	cfg     config.Config
	logger  *slog.Logger
	store   *store.Store
	proc    *stripeapi.Client
	billing *billing.Service
	jobs    *jobs.Client
	metrics *prometheus.Registry
	recon   *reconParts
	// dbOutages are the database outages this process saw, until the
	// database alert has reported them.
	dbOutages *health.Outages
	catchUp   *recon.CatchUp
	staff     *staff.Service
	// resolve is the staff actions on mismatches, for the console.
	resolve *resolve.Service
	// live is the processor port the console's pages ask for live facts:
	// proc, unless a test or benchmark stubs it.
	live console.Processor
	// incidents is incident mode: plans and runs over a window.
	incidents *incident.Service
	// templates is the console's email template editor.
	templates *mail.Editor
	// outbox queues emails; the console's Resend goes through it.
	outbox *mail.Outbox
	// billingStore is what billing works on: the store and the outbox.
	billingStore billingStore
	// requestTimeout bounds each web request; 0 is the web layer's
	// default. Tests shorten it.
	requestTimeout time.Duration
}

// openStack connects everything; work says whether this process runs jobs.
// The database must already be migrated (serve and dev migrate first).
func openStack(ctx context.Context, cfg config.Config, logger *slog.Logger, work bool) (*stack, error) {
	mode := jobsNone
	if work {
		mode = jobsAll
	}
	return openStackMode(ctx, cfg, logger, mode)
}

// jobMode says which jobs a process's River client works.
type jobMode int

const (
	jobsNone jobMode = iota // insert only
	jobsAll                 // every job and the periodic schedule (serve, worker, dev)
	// jobsOnDemand works the jobs others insert but schedules none: a
	// command that runs its own jobs to the end (incident run) must not
	// start sweeps as a side effect of becoming River's leader.
	jobsOnDemand
)

func openStackMode(ctx context.Context, cfg config.Config, logger *slog.Logger, mode jobMode) (*stack, error) {
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	s, err := wireStack(ctx, cfg, logger, st, mode)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// wireStack builds every part on the open store. River's client needs its
// workers first, while billing and the outbox need the client, so the
// catch-up and the sweep get their billing service last.
func wireStack(ctx context.Context, cfg config.Config, logger *slog.Logger, st *store.Store, mode jobMode) (*stack, error) {
	procHealth := stripeapi.NewHealth()
	proc, err := stripeapi.New(stripeapi.Config{
		SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase, RatePerSec: cfg.StripeRateLimit,
		Health: procHealth,
	})
	if err != nil {
		return nil, err
	}
	// The default templates are seeded where absent, so a fresh database
	// can send every email; edited templates are left as they are.
	if err := mail.SeedDefaults(ctx, st); err != nil {
		return nil, err
	}
	sender, err := newSender(cfg)
	if err != nil {
		return nil, err
	}
	s := &stack{cfg: cfg, logger: logger, store: st, proc: proc, live: proc, metrics: newRegistry(),
		staff: staff.NewService(st, staff.Options{}), dbOutages: &health.Outages{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, &jobs.SendEmailWorker{
		Deliverer: mail.NewDeliverer(st, sender, cfg.MailFrom, cfg.Faults, logger),
	})
	statusLinks := &jobs.StatusLinkWorker{}
	river.AddWorker(workers, statusLinks)
	catchUp := recon.NewCatchUp(recon.CatchUp{Store: st, Events: proc, Lookback: cfg.ReconLookback, Logger: logger})
	river.AddWorker(workers, &jobs.CatchUpWorker{CatchUp: catchUp, Logger: logger})
	periodic := []*river.PeriodicJob{jobs.CatchUpPeriodic(cfg.ReconEventsInterval)}
	// The sweep and the dead man's switch (see stack_recon.go).
	s.recon = newRecon(cfg, st, proc, dependencyWatches(st, procHealth, s.dbOutages), logger, s.metrics)
	catchUp.Alerts = s.recon.alerter
	s.catchUp = catchUp
	periodic = append(periodic, s.recon.register(workers, cfg)...)
	s.incidents = &incident.Service{Store: st, Proc: proc, Logger: logger, Now: time.Now}
	registerIncidents(workers, s.incidents)
	if mode != jobsAll {
		periodic = nil
	}
	s.jobs, err = jobs.NewClient(st.DB().DB, jobs.Options{Logger: logger, Workers: workers, Periodic: periodic, Work: mode != jobsNone})
	if err != nil {
		return nil, err
	}
	outbox := mail.NewOutbox(st, jobs.NewEnqueuer(s.jobs), mailDomain(cfg.BaseURL))
	s.templates, s.outbox = mail.NewEditor(st, outbox), outbox
	bs := billingStore{st, outbox, cfg.SupportEmail}
	s.billingStore = bs
	s.billing = s.billingWith(proc)
	s.resolve = newResolve(cfg, bs, proc, s.billing, logger)
	catchUp.Handler = s.billing
	statusLinks.Links = s.billing
	s.recon.connect(s.billing, outbox, cfg.BaseURL)
	s.connectIncidents(bs)
	return s, nil
}

// billingWith is the billing service on the stack's store and outbox,
// asking p: the stack's processor client, or a benchmark's stub at the port.
func (s *stack) billingWith(p billing.Processor) *billing.Service {
	return billing.NewService(billing.Deps{
		Store: s.billingStore, Processor: p, Faults: s.cfg.Faults, Logger: s.logger, BaseURL: s.cfg.BaseURL,
		RenewalGrace: s.cfg.RenewalGrace,
	})
}

func (s *stack) close() { s.store.Close() }

func newSender(cfg config.Config) (mail.Sender, error) {
	if cfg.SMTPURL == "" {
		return mail.DevMailbox{}, nil
	}
	return mail.NewSMTPSender(cfg.SMTPURL)
}

func newRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// mailDomain is the right-hand side of our Message-IDs.
func mailDomain(baseURL string) string {
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "backstop.local"
}

// billingStore adapts *store.Store to billing.Store: each workflow runs in
// a store transaction that can also queue the workflow's emails through the
// outbox, so an email exists if and only if the workflow commits.
type billingStore struct {
	st           *store.Store
	outbox       *mail.Outbox
	supportEmail string
}

func (b billingStore) InTx(ctx context.Context, fn func(billing.Tx) error) error {
	return b.st.InTx(ctx, func(tx *store.Tx) error { return fn(billingTx{tx, b}) })
}

func (b billingStore) StoreEvent(ctx context.Context, ev billing.Event, source string) (billing.EventState, error) {
	return b.st.StoreEvent(ctx, ev, source)
}

// mailTime is how emails show a moment: "10:02 UTC on 1 December 2026".
const mailTime = "15:04 UTC on 2 January 2006"

// billingTx is a store transaction that queues billing's emails.
type billingTx struct {
	*store.Tx
	b billingStore
}

var _ billing.Tx = billingTx{}

func (t billingTx) QueueEmail(ctx context.Context, e billing.Email) (bool, error) {
	var orderID *int64 // a holding email may come before any order exists
	if e.OrderID != 0 {
		orderID = &e.OrderID
	}
	data := mail.Data{
		Email: e.To, PlanName: e.PlanName, Amount: e.Amount, PublicRef: e.PublicRef,
		StatusURL: e.StatusURL, SupportEmail: t.b.supportEmail, Reason: e.Reason, ClaimURL: e.ClaimURL,
		InvoiceURL: e.InvoiceURL,
	}
	if !e.ValidUntil.IsZero() {
		data.ValidUntil = e.ValidUntil.UTC().Format("2 January 2006")
	}
	if !e.StartedAt.IsZero() {
		data.StartedAt = e.StartedAt.UTC().Format(mailTime)
	}
	if !e.PaidOn.IsZero() {
		data.PaidOn = e.PaidOn.UTC().Format("2 January 2006")
	}
	for _, o := range e.Orders {
		data.Orders = append(data.Orders, mail.OrderLine{
			PublicRef: o.PublicRef, PlanName: o.PlanName, Amount: o.Amount,
			PaidAt: o.PaidAt.UTC().Format(mailTime), Status: o.Status, StatusURL: o.StatusURL,
		})
	}
	return t.b.outbox.QueueTx(ctx, t.Tx, mail.QueueRequest{
		Template: e.Template, To: e.To, OrderID: orderID, DedupeKey: e.DedupeKey, Data: data,
	})
}

// ResendAccessEmail queues a copy of the order's newest access email.
func (t billingTx) ResendAccessEmail(ctx context.Context, orderID int64, dedupeKey string) (bool, error) {
	return t.b.outbox.ResendTx(ctx, t.Tx, orderID, mail.AccessTemplates(), dedupeKey)
}

// shutdownGrace bounds how long in-flight requests and jobs get to finish.
const shutdownGrace = 10 * time.Second
