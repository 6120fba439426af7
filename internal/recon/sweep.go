package recon

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// ErrBusy is returned (kind Conflict) when another sweep holds the lock.
var ErrBusy = apperr.New(apperr.Conflict, "another sweep is running")

// watermarkName is the recon_state row holding the creation time up to
// which the sweep has examined every processor object.
const watermarkName = "sweep_watermark"

// Lister is the part of the processor the sweep reads.
type Lister interface {
	ListCheckoutSessions(ctx context.Context, r billing.Range, fn func(billing.Session) error) error
	ListPaymentIntents(ctx context.Context, r billing.Range, fn func(billing.Payment) error) error
	ListCharges(ctx context.Context, r billing.Range, fn func(billing.Charge) error) error
	ListRefunds(ctx context.Context, r billing.Range, fn func(billing.Refund) error) error
	ListDisputes(ctx context.Context, r billing.Range, fn func(billing.Dispute) error) error
	// ListInvoices, ListSubscriptions and GetSubscription reconcile
	// renewals (invoices.go).
	ListInvoices(ctx context.Context, r billing.Range, fn func(billing.Invoice) error) error
	ListSubscriptions(ctx context.Context, r billing.Range, fn func(billing.Subscription) error) error
	GetSubscription(ctx context.Context, id string) (billing.Subscription, error)
}

// Healer is the part of billing the sweep repairs through: Fulfill is the
// one path to access.
type Healer interface {
	Fulfill(ctx context.Context, p billing.PaidCheckout, via billing.Via) (billing.Outcome, error)
	QueueHoldingEmail(ctx context.Context, orderID int64, p billing.PaidCheckout, reason string) (bool, error)
}

// Sweeper runs the reconciliation sweep. Build it with NewSweeper; its
// fields are set once at wiring.
type Sweeper struct {
	Store   *store.Store
	Proc    Lister
	Healer  Healer
	Faults  *fault.Points
	Metrics *Metrics
	Logger  *slog.Logger
	// Alerts, when set, is checked after every real run, so a failure is
	// announced at once rather than at the next check.
	Alerts *Alerter
	// Lookback is the default window (RECON_LOOKBACK); Grace leaves
	// payments younger than it to the webhook (RECON_GRACE).
	Lookback time.Duration
	Grace    time.Duration
	// RenewalGrace is RENEWAL_GRACE: access an ended or unpaid
	// subscription keeps past its last paid period before lapsed_unpaid;
	// zero means billing.DefaultRenewalGrace.
	RenewalGrace time.Duration
	Now          func() time.Time
}

// SweepOptions are one run's choices.
type SweepOptions struct {
	// Lookback overrides the Sweeper's when positive.
	Lookback time.Duration
	// DryRun lists and classifies but heals nothing, writes no mismatch
	// and no watermark; the result says what a real run would do.
	DryRun bool
	// RequestedBy names who pressed Run now in the console; "" for the
	// schedule and the command line.
	RequestedBy string
}

// Result is what one sweep did, exactly as `backstop reconcile --json`
// prints it (DESIGN section 12). ByKind counts findings of each kind,
// healed ones included.
type Result struct {
	RunID              int64          `json:"run_id"`
	WindowFrom         time.Time      `json:"window_from"`
	WindowTo           time.Time      `json:"window_to"`
	APICalls           int            `json:"api_calls"`
	ObjectsSeen        int            `json:"objects_seen"`
	Healed             int            `json:"healed"`
	MismatchesOpened   int            `json:"mismatches_opened"`
	MismatchesUpdated  int            `json:"mismatches_updated"`
	MismatchesResolved int            `json:"mismatches_resolved"`
	ByKind             map[string]int `json:"by_kind"`
	DryRun             bool           `json:"dry_run"`
	DurationMS         int64          `json:"duration_ms"`
}

// Run does one sweep and records it in recon_runs, failed or not. It
// returns ErrBusy, recording nothing, when another sweep is running.
func (s *Sweeper) Run(ctx context.Context, opts SweepOptions) (Result, error) {
	release, ok, err := s.Store.TryLockSweep(ctx)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		s.Metrics.ObserveRun("sweep", "busy", 0, RunCounts{})
		return Result{}, ErrBusy
	}
	defer release()
	start := time.Now()
	id, err := s.Store.StartReconRun(ctx, "sweep", opts.DryRun, opts.RequestedBy)
	if err != nil {
		return Result{}, err
	}
	res := Result{RunID: id, DryRun: opts.DryRun, ByKind: map[string]int{}}
	runErr := s.prepare(ctx, id)
	if runErr == nil {
		runErr = s.run(ctx, &res, opts)
	}
	res.DurationMS = time.Since(start).Milliseconds()
	err = s.finish(context.WithoutCancel(ctx), res, runErr)
	return res, errors.Join(runErr, err)
}

// prepare closes what a killed run left behind: its recon_runs row and its
// staging rows. The lock guarantees no other sweep is using them, and this
// run has staged nothing yet.
func (s *Sweeper) prepare(ctx context.Context, id int64) error {
	if err := s.Store.MarkInterruptedRuns(ctx, id); err != nil {
		return err
	}
	return s.Store.DropAllStaging(ctx)
}

func (s *Sweeper) run(ctx context.Context, res *Result, opts SweepOptions) error {
	w, err := s.window(ctx, res.RunID, opts)
	if err != nil {
		return err
	}
	res.WindowFrom, res.WindowTo = w.From, w.To
	st := newStager(s.Store, res.RunID, s.Faults)
	st.report = func(phase string, calls, seen int) { s.progress(ctx, res.RunID, phase, calls, seen) }
	err = st.stageAll(ctx, s.Proc, billing.Range{From: w.From, To: w.To})
	res.APICalls, res.ObjectsSeen = st.calls, st.seen
	if err != nil {
		return err
	}
	s.progress(ctx, res.RunID, "listing invoices", res.APICalls, res.ObjectsSeen)
	if err := s.stageInvoices(ctx, res, w); err != nil {
		return err
	}
	s.progress(ctx, res.RunID, "listing subscriptions", res.APICalls, res.ObjectsSeen)
	if err := s.stageSubscriptions(ctx, res, w); err != nil {
		return err
	}
	s.progress(ctx, res.RunID, "comparing with our orders", res.APICalls, res.ObjectsSeen)
	if err := s.Store.Classify(ctx, w); err != nil {
		return err
	}
	if err := s.Store.ClassifyInvoices(ctx, w.RunID); err != nil {
		return err
	}
	if err := s.Store.ClassifySubscriptions(ctx, w.RunID, s.RenewalGrace); err != nil {
		return err
	}
	if opts.DryRun {
		return s.preview(ctx, res, w)
	}
	s.progress(ctx, res.RunID, "healing and writing mismatches", res.APICalls, res.ObjectsSeen)
	if err := s.apply(ctx, res, w); err != nil {
		return err
	}
	return s.Store.SetReconState(ctx, watermarkName, w.Cutoff.UTC().Format(time.RFC3339Nano))
}

// progress records what the run is doing, for the console. It is only
// shown, never relied on, so a failed write is logged and the run goes on.
func (s *Sweeper) progress(ctx context.Context, id int64, phase string, calls, seen int) {
	if err := s.Store.ReportReconProgress(ctx, id, phase, calls, seen); err != nil {
		s.Logger.WarnContext(ctx, "sweep progress not recorded", "run_id", id, "err", err)
	}
}

// window is [now − lookback, now], started earlier when the watermark says
// an earlier stretch was never fully covered (the job was down longer than
// the lookback).
func (s *Sweeper) window(ctx context.Context, runID int64, opts SweepOptions) (store.DiffWindow, error) {
	lookback := s.Lookback
	if opts.Lookback > 0 {
		lookback = opts.Lookback
	}
	now := s.Now().UTC().Truncate(time.Second)
	w := store.DiffWindow{RunID: runID, From: now.Add(-lookback), To: now, Cutoff: now.Add(-s.Grace)}
	v, err := s.Store.ReconState(ctx, watermarkName)
	if apperr.Is(err, apperr.NotFound) {
		return w, nil
	} else if err != nil {
		return w, err
	}
	if mark, err := time.Parse(time.RFC3339Nano, v); err == nil && mark.Before(w.From) {
		w.From = mark.Truncate(time.Second)
	}
	return w, nil
}

// preview fills a dry run's result with what a real run would do.
func (s *Sweeper) preview(ctx context.Context, res *Result, w store.DiffWindow) error {
	var err error
	if res.ByKind, err = s.Store.FindingCounts(ctx, w.RunID); err != nil {
		return err
	}
	if res.Healed, err = s.Store.HealCount(ctx, w.RunID); err != nil {
		return err
	}
	c, err := s.Store.CountMismatchChanges(ctx, w)
	res.MismatchesOpened, res.MismatchesUpdated, res.MismatchesResolved = c.Opened, c.Updated, c.Resolved
	return err
}

// apply heals, emails and writes the mismatches, in that order: a payment
// Fulfill holds becomes a queued amount_mismatch before the queue is written.
func (s *Sweeper) apply(ctx context.Context, res *Result, w store.DiffWindow) error {
	expired, err := s.Store.ExpireFindings(ctx, w.RunID)
	if err != nil {
		return err
	}
	healed, err := s.heal(ctx, w.RunID)
	res.Healed = expired + healed
	if err != nil {
		return err
	}
	renewed, err := s.healRenewals(ctx, w.RunID)
	res.Healed += renewed
	if err != nil {
		return err
	}
	if err := s.holdingEmails(ctx, w.RunID); err != nil {
		return err
	}
	if err := s.Store.NoteServedDuplicates(ctx, w.RunID); err != nil {
		return err
	}
	c, err := s.Store.ApplyFindings(ctx, w)
	if err != nil {
		return err
	}
	res.MismatchesOpened, res.MismatchesUpdated, res.MismatchesResolved = c.Opened, c.Updated, c.Resolved
	res.ByKind, err = s.Store.FindingCounts(ctx, w.RunID)
	return err
}

func (s *Sweeper) finish(ctx context.Context, res Result, runErr error) error {
	from, to := res.WindowFrom, res.WindowTo
	run := store.ReconRun{
		ID: res.RunID, Kind: "sweep", APICalls: res.APICalls, ObjectsSeen: res.ObjectsSeen,
		Healed: res.Healed, MismatchesOpened: res.MismatchesOpened, MismatchesUpdated: res.MismatchesUpdated,
		MismatchesResolved: res.MismatchesResolved, ByKind: res.ByKind,
	}
	if !from.IsZero() {
		run.WindowFrom, run.WindowTo = &from, &to
	}
	outcome := "ok"
	if runErr != nil {
		msg := runErr.Error()
		run.Error, outcome = &msg, "error"
		s.Logger.ErrorContext(ctx, "sweep failed", "run_id", res.RunID, "err", runErr)
	} else {
		s.Logger.InfoContext(ctx, "sweep finished", "run_id", res.RunID, "dry_run", res.DryRun,
			"objects", res.ObjectsSeen, "api_calls", res.APICalls, "healed", res.Healed,
			"opened", res.MismatchesOpened, "resolved", res.MismatchesResolved)
	}
	errs := []error{s.Store.FinishReconRun(ctx, run), s.Store.DropAllStaging(ctx)}
	if !res.DryRun {
		s.Metrics.ObserveRun("sweep", outcome, time.Duration(res.DurationMS)*time.Millisecond,
			RunCounts{APICalls: res.APICalls, Objects: res.ObjectsSeen, Healed: res.Healed})
		if open, err := s.Store.OpenMismatchCounts(ctx); err == nil {
			s.Metrics.SetOpenMismatches(open)
		}
		if s.Alerts != nil {
			errs = append(errs, s.Alerts.Check(ctx))
		}
	}
	return errors.Join(errs...)
}
