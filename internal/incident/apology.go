package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// ErrNotFinished is returned (kind Unavailable) by Finish while payments of
// the run are still being acted on: the finishing job waits and tries again.
var ErrNotFinished = apperr.New(apperr.Unavailable, "the incident's payments are still being acted on")

// Finish closes a run once every payment job is done: it queues one
// incident_apology per affected customer (unless the run said no apology)
// and records how many, with one audit row, in one transaction. A finished
// run is left alone, so a repeated job sends nothing twice; the apologies'
// dedupe key is the second line of defence.
func (s *Service) Finish(ctx context.Context, id int64) error {
	pending, err := s.Store.IncidentPending(ctx, id)
	if err != nil {
		return err
	}
	if pending > 0 {
		return ErrNotFinished
	}
	in, err := s.Store.Incident(ctx, id)
	if err != nil {
		return err
	}
	if in.FinishedAt != nil {
		return nil
	}
	var targets []store.ApologyTarget
	if !in.NoApology {
		if targets, err = s.Store.IncidentApologyTargets(ctx, id); err != nil {
			return err
		}
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		sent := 0
		for _, t := range targets {
			queued, err := s.Mail.QueueApologyTx(ctx, tx, apologyFor(in, t))
			if err != nil {
				return err
			}
			if queued {
				sent++
			}
		}
		first, err := tx.FinishIncident(ctx, id, sent)
		if err != nil || !first {
			return err // !first: another attempt finished it; its apologies stand
		}
		return tx.AppendAudit(ctx, staff.AuditEntry{Actor: "incident", Action: "incident.finished", Target: Target(id),
			Details: map[string]string{"apologies": fmt.Sprint(sent), "no_apology": fmt.Sprint(in.NoApology)}})
	})
}

func apologyFor(in store.Incident, t store.ApologyTarget) Apology {
	a := Apology{IncidentID: in.ID, To: t.Email, PublicRef: deref(t.PublicRef), PlanCode: deref(t.PlanCode),
		Amount: t.Amount, Currency: t.Currency, Window: WindowWords(in.WindowFrom, in.WindowTo)}
	if t.OrderID != nil {
		a.OrderID = *t.OrderID
	}
	a.Outcome = "we found your payment and switched your access on; you have been sent its confirmation too."
	if t.Outcome == OutcomeTold {
		a.Outcome = "your access was already on, but we had not told you; it is ready to use."
	}
	return a
}

// WindowWords says a window as the apology does: "between 10:02 and 10:17
// UTC on 1 December 2026", or with both days when it spans more than one.
func WindowWords(from, to time.Time) string {
	from, to = from.UTC(), to.UTC()
	const day = "2 January 2006"
	if from.Format(day) == to.Format(day) {
		return fmt.Sprintf("between %s and %s UTC on %s", from.Format("15:04"), to.Format("15:04"), from.Format(day))
	}
	return fmt.Sprintf("between %s UTC on %s and %s UTC on %s", from.Format("15:04"), from.Format(day),
		to.Format("15:04"), to.Format(day))
}
