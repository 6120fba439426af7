package devpg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lib/pq"
)

// EnsureDatabase creates the database name unless it exists. Two callers
// racing to create it both succeed.
func (s *Server) EnsureDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("postgres", s.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to postgres: %w", err)
	}
	defer db.Close()
	const existsSQL = `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`
	var exists bool
	if err := db.QueryRowContext(ctx, existsSQL, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	s.logger.Info("database created", "name", name)
	return nil
}
