package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// The database accepts exactly the kinds billing names: every migration that
// rebuilds the mismatches' kind check must keep the kinds earlier ones
// added, and a kind added in Go needs its migration.
func TestMismatchKindsMatchTheSchema(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	for _, kind := range append(billing.Kinds, "no_such_kind") {
		_, err := s.DB().Exec(`INSERT INTO mismatches (kind, subject) VALUES ($1, $2)`, kind, "subject:"+kind)
		if kind == "no_such_kind" {
			require.Error(t, err, "the schema refuses a kind billing does not name")
			continue
		}
		require.NoError(t, err, "the schema refuses billing's kind %s", kind)
	}
}
