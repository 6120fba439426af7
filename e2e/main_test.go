package e2e

import (
	"testing"

	"github.com/backstophq/backstop/internal/dbtest"
)

// TestMain gives the package's tests a private PostgreSQL; see dbtest.
func TestMain(m *testing.M) { dbtest.Main(m) }
