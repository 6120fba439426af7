package console

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// CaseFile is everything a mismatch's page shows: the mismatch in words,
// our side, the processor's side fetched now, the evidence kept when it
// was detected, and what happened since.
type CaseFile struct {
	Mismatch store.MismatchDetail
	Label    string
	Advice   Advice
	Order    *store.CaseOrder   // nil when the mismatch has no order
	Account  *store.CaseAccount // nil when the customer has no account
	Emails   []store.CaseEmail
	Evidence []Section
	Timeline []TimelineItem
	Live     Live
	// Version is the mismatch's version this page shows; an action posts
	// it back, and one from an older page is refused as stale.
	Version int
}

// caseLists bounds the emails and the timeline one page lists.
const caseLists = 100

// Mismatch reads the case file of mismatch id, asking the processor for
// its side within LiveTimeout. Errors: apperr NotFound for an unknown id.
// A processor that is slow or failing is not an error: Live says so.
func (s *Service) Mismatch(ctx context.Context, id int64) (CaseFile, error) {
	m, err := s.store.MismatchDetail(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return CaseFile{}, apperr.Wrap(apperr.NotFound, fmt.Sprintf("There is no mismatch #%d. The link may be mistyped.", id), err)
	}
	if err != nil {
		return CaseFile{}, err
	}
	c := CaseFile{Mismatch: m, Label: KindLabel(m.Kind), Advice: Explain(m.MismatchSummary, s.now()),
		Evidence: evidenceSections(m.Evidence), Version: m.Version}
	if err := s.ourSide(ctx, &c); err != nil {
		return CaseFile{}, err
	}
	entries, err := s.store.Timeline(ctx, m.OrderID, staff.MismatchTarget(m.ID), caseLists)
	if err != nil {
		return CaseFile{}, err
	}
	c.Timeline = timelineItems(entries)
	c.Live = s.live(ctx, m, c.Order)
	return c, nil
}

// ourSide reads the order, the account and the emails.
func (s *Service) ourSide(ctx context.Context, c *CaseFile) error {
	m := c.Mismatch
	email, accountID := m.Email, int64(0)
	if m.OrderID != 0 {
		o, err := s.store.CaseOrder(ctx, m.OrderID)
		if err != nil {
			return err
		}
		c.Order, accountID = &o, o.AccountID
		if email == "" {
			email = o.Email
		}
	}
	if accountID != 0 || email != "" {
		a, err := s.store.CaseAccount(ctx, accountID, email)
		switch {
		case err == nil:
			c.Account = &a
		case !apperr.Is(err, apperr.NotFound):
			return err
		}
	}
	if m.OrderID == 0 && email == "" {
		return nil
	}
	var err error
	c.Emails, err = s.store.CaseEmails(ctx, m.OrderID, email, caseLists)
	return err
}
