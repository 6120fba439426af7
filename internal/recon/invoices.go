package recon

import (
	"context"
	"errors"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// Renewals in the sweep (DESIGN section 5, "Subscriptions: the year
// after"; section 6): a paid invoice with no grant, found after a lost
// invoice.paid or a restore from before the renewal, is served through the
// same Fulfill the webhook uses, keyed by the invoice, so it is granted once
// whichever path comes first.

// stageInvoices lists the invoices created since the window's start into
// staging, one list call per 100. There is no upper bound: an invoice is
// granted at most once whatever its date, and the processor's clock may run
// ahead of ours (the simulator's does after a clock advance).
func (s *Sweeper) stageInvoices(ctx context.Context, res *Result, w store.DiffWindow) error {
	batch := make([]billing.Invoice, 0, pageSize)
	n := 0
	flush := func() error {
		err := s.Store.StageInvoices(ctx, w.RunID, batch)
		batch = batch[:0]
		return err
	}
	err := s.Proc.ListInvoices(ctx, billing.Range{From: w.From}, func(in billing.Invoice) error {
		n++
		if in.SubscriptionID == "" {
			return nil // not a subscription's: nothing of ours to renew
		}
		batch = append(batch, in)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	res.APICalls += listCalls(n, err != nil)
	res.ObjectsSeen += n
	if err != nil {
		return fmt.Errorf("list invoices: %w", err)
	}
	return flush()
}

// healRenewals hands every renewal the run found unserved and tied to an
// order to Fulfill, one transaction each, and returns how many it granted.
// One billing refuses (no order of ours, a purchase never served, not
// paid) is queued as unserved_renewal for a person; one held for its
// amount is queued as the amount_mismatch Fulfill opened.
func (s *Sweeper) healRenewals(ctx context.Context, runID int64) (int, error) {
	healed, after := 0, ""
	for {
		items, err := s.Store.InvoiceHealItems(ctx, runID, after, healPage)
		if err != nil {
			return healed, err
		}
		for _, it := range items {
			ok, err := s.healRenewal(ctx, runID, it)
			if err != nil {
				return healed, err
			}
			if ok {
				healed++
			}
		}
		if len(items) < healPage {
			return healed, nil
		}
		after = items[len(items)-1].Subject
	}
}

func (s *Sweeper) healRenewal(ctx context.Context, runID int64, it store.InvoiceHeal) (bool, error) {
	sub, err := s.Proc.GetSubscription(ctx, it.Invoice.SubscriptionID)
	if err != nil {
		return false, fmt.Errorf("heal %s: read subscription: %w", it.Subject, err)
	}
	out, err := s.Healer.Fulfill(ctx, billing.FromInvoice(it.Invoice, sub), billing.ViaSweep)
	switch {
	case errors.Is(err, billing.ErrUnmatched) || apperr.Is(err, apperr.NotFound) ||
		apperr.Is(err, apperr.Conflict) || apperr.Is(err, apperr.Invalid):
		s.Logger.WarnContext(ctx, "sweep: renewal cannot be served automatically", "invoice", it.Invoice.ID, "err", err)
		return false, s.Store.MarkUnmatched(ctx, runID, it.Kind, it.Subject, billing.KindUnservedRenewal)
	case err != nil:
		return false, fmt.Errorf("heal %s: %w", it.Subject, err)
	case out.Held != "":
		return false, s.Store.MarkHeld(ctx, runID, it.Kind, it.Subject, out.Order.ID)
	}
	return out.Fulfilled, nil
}

// stageSubscriptions lists every subscription, whatever its date (one that
// lapses now was bought a period ago, long before any window), into
// staging: ⌈n/100⌉ calls a sweep for n subscriptions.
func (s *Sweeper) stageSubscriptions(ctx context.Context, res *Result, w store.DiffWindow) error {
	batch := make([]billing.Subscription, 0, pageSize)
	n := 0
	flush := func() error {
		err := s.Store.StageSubscriptions(ctx, w.RunID, batch)
		batch = batch[:0]
		return err
	}
	err := s.Proc.ListSubscriptions(ctx, billing.Range{}, func(sub billing.Subscription) error {
		n++
		batch = append(batch, sub)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	res.APICalls += listCalls(n, err != nil)
	res.ObjectsSeen += n
	if err != nil {
		return fmt.Errorf("list subscriptions: %w", err)
	}
	return flush()
}
