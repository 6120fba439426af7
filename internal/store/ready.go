package store

import (
	"context"
	"fmt"
	"strings"
)

// Ready reports whether the database can serve traffic: it answers, our
// migrations and River's are all applied, and synchronous_commit is on
// (with it off, a crash can lose a transaction we already acted on outside,
// such as a customer told they were served). The stricter remote_* levels
// and local also flush the commit locally and pass. The error, an apperr
// Unavailable, says which check failed.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return unavailable("database unreachable", err)
	}
	p, err := newGoose(s.db.DB, nil, false)
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return unavailable("cannot read migration state", err)
	}
	if pending {
		return unavailable("backstop migrations pending: run `backstop migrate`", nil)
	}
	if err := s.riverReady(ctx); err != nil {
		return err
	}
	return s.syncCommitReady(ctx)
}

func (s *Store) riverReady(ctx context.Context) error {
	m, err := newRiverMigrator(s.db.DB, nil)
	if err != nil {
		return err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return unavailable("cannot read River migration state", err)
	}
	if !res.OK {
		return unavailable("River migrations pending: run `backstop migrate` ("+strings.Join(res.Messages, "; ")+")", nil)
	}
	return nil
}

func (s *Store) syncCommitReady(ctx context.Context) error {
	const q = `SHOW synchronous_commit`
	var v string
	if err := s.db.GetContext(ctx, &v, q); err != nil {
		return unavailable("cannot read synchronous_commit", err)
	}
	if v == "off" {
		return unavailable(fmt.Sprintf("synchronous_commit is %q, must be on", v), nil)
	}
	return nil
}
