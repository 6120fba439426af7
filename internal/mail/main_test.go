package mail

import (
	"os"
	"testing"

	"github.com/backstophq/backstop/internal/dbtest"
)

func TestMain(m *testing.M) {
	// TestCrashAfterSendDuplicatesOnce re-runs this binary as the process
	// that crashes; that child needs no database server of its own.
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(runCrashChild())
	}
	dbtest.Main(m)
}
