package store

import (
	"context"
	"fmt"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// ErrorReport is what an error page's reference points to: support looks
// the reference up to see what went wrong for that customer.
type ErrorReport struct {
	Ref       string    `db:"ref"`
	Method    string    `db:"method"`
	Route     string    `db:"route"`
	Status    int       `db:"status"`
	OrderID   *int64    `db:"order_id"`
	Err       string    `db:"error"`
	RequestID string    `db:"request_id"`
	At        time.Time `db:"created_at"`
}

// RecordError stores r. A zero At means now. A reused reference is an
// apperr Conflict.
func (s *Store) RecordError(ctx context.Context, r ErrorReport) error {
	const q = `
		INSERT INTO error_reports (ref, method, route, status, order_id, error, request_id, created_at)
		VALUES (:ref, :method, :route, :status, :order_id, :error, :request_id, :created_at)`
	if r.At.IsZero() {
		r.At = time.Now()
	}
	r.At = r.At.UTC()
	if _, err := s.db.NamedExecContext(ctx, q, r); err != nil {
		return fmt.Errorf("record error report %s: %w", r.Ref, mapErr(err))
	}
	return nil
}

// ErrorReport returns the report with reference ref, or an apperr NotFound.
func (s *Store) ErrorReport(ctx context.Context, ref string) (ErrorReport, error) {
	const q = `
		SELECT ref, method, route, status, order_id, error, request_id, created_at
		FROM error_reports
		WHERE ref = $1`
	var r ErrorReport
	if err := s.db.GetContext(ctx, &r, q, ref); err != nil {
		err = mapErr(err)
		if apperr.Is(err, apperr.NotFound) {
			return ErrorReport{}, apperr.Wrap(apperr.NotFound, fmt.Sprintf("no error report %q", ref), err)
		}
		return ErrorReport{}, fmt.Errorf("error report %s: %w", ref, err)
	}
	r.At = r.At.UTC()
	return r, nil
}
