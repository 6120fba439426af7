package invariant_test

import (
	"testing"

	"github.com/backstophq/backstop/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
