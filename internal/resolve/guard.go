package resolve

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// The guards every deciding action passes twice: once before the
// processor is asked (cheap, so a stale click costs no API call) and once
// under the row lock in the transaction of the effect, which is the check
// that counts.

// precheck reads the mismatch and refuses, before any processor call, an
// actor who may not act, an action that does not fit the kind, a closed
// mismatch and a stale page.
func (s *Service) precheck(ctx context.Context, req Request, a Action) (store.MismatchState, error) {
	if err := checkActor(req.Actor); err != nil {
		return store.MismatchState{}, err
	}
	m, err := s.store.MismatchForAction(ctx, req.MismatchID)
	if err != nil {
		return store.MismatchState{}, notFound(err)
	}
	if err := fits(m.Kind, a); err != nil {
		return store.MismatchState{}, err
	}
	return m, s.current(m, req.Version)
}

// lock reads the mismatch FOR UPDATE in tx and refuses a closed one or a
// stale version: of two people clicking at once, the second waits here for
// the first to commit, then sees its change and is told about it.
func (s *Service) lock(ctx context.Context, tx Tx, req Request) (store.MismatchState, error) {
	m, err := tx.LockMismatch(ctx, req.MismatchID)
	if err != nil {
		return store.MismatchState{}, notFound(err)
	}
	return m, s.current(m, req.Version)
}

// staleOr returns a Conflict when the mismatch changed since req's page
// was rendered, else refusal: a click that lost a race reads the winner's
// effect at the processor ("refunded in full") before it reaches the row
// lock, and who did it is the more useful answer.
func (s *Service) staleOr(ctx context.Context, req Request, refusal error) error {
	m, err := s.store.MismatchForAction(ctx, req.MismatchID)
	if err != nil {
		return refusal
	}
	if err := s.current(m, req.Version); err != nil {
		return err
	}
	return refusal
}

// current refuses a mismatch that is closed, that changed since the page
// the request came from was rendered, or that has a refund in flight, with
// apperr Conflict naming who did what and when.
func (s *Service) current(m store.MismatchState, version int) error {
	now := s.now()
	if m.Status != statusOpen {
		return apperr.New(apperr.Conflict, alreadyDone(m, now))
	}
	if version != m.Version {
		return apperr.New(apperr.Conflict, stale(m, now))
	}
	if p := m.PendingRefund; p != nil {
		return apperr.New(apperr.Conflict, fmt.Sprintf(
			"%s started a refund of %s at %s that has not finished: click Refund to finish it first.",
			displayName(p.Actor), billing.FormatMoney(p.Amount, p.Currency), clock(p.At, now)))
	}
	return nil
}

// alreadyDone says who closed a mismatch, how and when: "Bob already
// provisioned this at 10:42 UTC."
func alreadyDone(m store.MismatchState, now time.Time) string {
	at := "earlier"
	if m.ResolvedAt != nil {
		at = "at " + clock(*m.ResolvedAt, now)
	}
	switch {
	case m.Status == statusAutoResolved:
		return fmt.Sprintf("The sweep already closed this %s: %s.", at, m.Resolution)
	case m.ResolvedBy != "":
		return fmt.Sprintf("%s already %s %s.", displayName(m.ResolvedBy), Action(m.ResolvedAction).done(), at)
	}
	return fmt.Sprintf("This mismatch is already %s (%s).", m.Status, at)
}

// stale says what changed since the page was rendered.
func stale(m store.MismatchState, now time.Time) string {
	if m.LastActor == "" || m.LastActionAt == nil {
		return "This mismatch changed after this page was loaded. Reload it to see the change, then try again."
	}
	return fmt.Sprintf("%s %s at %s, after this page was loaded. Reload it to see the change, then try again.",
		displayName(m.LastActor), Action(m.LastAction).done(), clock(*m.LastActionAt, now))
}

// checkActor refuses, with apperr Forbidden, anyone but an active support
// or admin login: both roles may act on mismatches (DESIGN section 9).
func checkActor(u staff.User) error {
	switch {
	case u.ID == 0 || u.Email == "":
		return apperr.New(apperr.Forbidden, "Sign in as staff to act on mismatches.")
	case u.DisabledAt != nil:
		return apperr.New(apperr.Forbidden, "This staff login is disabled.")
	case u.Role != staff.RoleSupport && u.Role != staff.RoleAdmin:
		return apperr.New(apperr.Forbidden, "Your role may not act on mismatches.")
	}
	return nil
}

// notFound keeps a missing mismatch NotFound with words to show.
func notFound(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return apperr.Wrap(apperr.NotFound, "There is no such mismatch.", err)
	}
	return err
}

// audit is the audit row of an action on m.
func audit(actor staff.User, a Action, m store.MismatchState, details map[string]string) staff.AuditEntry {
	if details == nil {
		details = map[string]string{}
	}
	details["kind"] = m.Kind
	details["version"] = fmt.Sprint(m.Version)
	return staff.AuditEntry{Actor: actor.Email, Action: "mismatch." + string(a), Target: Target(m.ID), Details: details}
}

// Target is the audit log's target for a mismatch, e.g. "mismatch:42":
// the mismatch page's timeline and the audit filter read by it.
func Target(id int64) string { return staff.MismatchTarget(id) }
