package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"

	"github.com/backstophq/backstop/internal/apperr"
)

// uniqueViolation is PostgreSQL's SQLSTATE for a unique constraint breach.
const uniqueViolation = "23505"

// mapErr gives a database error its kind: no rows is NotFound, a unique
// violation is Conflict, anything else is wrapped and stays Internal. A nil
// error stays nil.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(apperr.NotFound, "not found", err)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == uniqueViolation {
		return apperr.Wrap(apperr.Conflict, "already exists", err)
	}
	return fmt.Errorf("database: %w", err)
}

// unavailable is an apperr Unavailable with a safe message; err may be nil.
func unavailable(msg string, err error) error {
	if err == nil {
		return apperr.New(apperr.Unavailable, msg)
	}
	return apperr.Wrap(apperr.Unavailable, msg, err)
}
