// Package store holds all of Backstop's SQL: one file per aggregate, each
// query a constant beside the method that runs it, with explicit column
// lists. Nothing outside this package writes SQL.
//
// Errors are mapped at the source: a missing row is an apperr NotFound (never
// a nil result with a nil error), a unique violation an apperr Conflict, and
// anything else is wrapped with %w and stays Internal.
//
// InTx runs a function in a transaction; Tx.SQL hands the *sql.Tx to River's
// InsertTx, so a job exists if and only if the transaction that asked for it
// committed. Migrate applies our goose migrations and River's.
package store
