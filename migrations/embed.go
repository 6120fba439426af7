// Package migrations holds Backstop's goose SQL migrations, embedded in the
// binary. River's own tables are migrated separately through rivermigrate.
// A migration is never edited once merged: add a new file instead.
package migrations

import "embed"

// FS holds every *.sql migration at its root.
//
//go:embed *.sql
var FS embed.FS
