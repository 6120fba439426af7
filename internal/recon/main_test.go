package recon_test

import (
	"os"
	"testing"

	"github.com/backstophq/backstop/internal/dbtest"
)

// TestMain gives the package's tests a private PostgreSQL (see dbtest), or,
// re-executed by the benchmark with simProcessEnv set, serves the Stripe
// simulator in this process instead.
func TestMain(m *testing.M) {
	if os.Getenv(simProcessEnv) != "" {
		os.Exit(serveSim())
	}
	dbtest.Main(m)
}
