package fault

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	p, err := Parse("")
	require.NoError(t, err)
	require.Nil(t, p)
	p.Hit(FulfillBeforeCommit) // a nil set is disarmed and must not panic

	p, err = Parse(" fulfill.before_commit , email.after_send")
	require.NoError(t, err)
	require.Equal(t, []string{EmailAfterSend, FulfillBeforeCommit}, p.Armed())

	_, err = Parse("fulfill.before_comit")
	require.ErrorContains(t, err, `unknown fault point "fulfill.before_comit"`)
}

func TestHitOnlyArmedPoints(t *testing.T) {
	p, err := Parse(WebhookAfterVerify)
	require.NoError(t, err)
	var killed []string
	p.kill = func() { killed = append(killed, "kill") }
	p.Hit(FulfillAfterCommit)
	require.Empty(t, killed)
	p.Hit(WebhookAfterVerify)
	require.Len(t, killed, 1)
}

// TestChildDiesAtPoint re-runs this test binary as a child that arms a point
// and reaches it: the child must die of SIGKILL before printing "survived".
func TestChildDiesAtPoint(t *testing.T) {
	if os.Getenv("FAULT_CHILD") == "1" {
		p, err := Parse(os.Getenv("BACKSTOP_FAULTS"))
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("before\n")
		p.Hit(FulfillBeforeCommit)
		os.Stdout.WriteString("survived\n")
		os.Exit(0)
	}
	for _, tc := range []struct {
		faults   string
		wantKill bool
	}{
		{FulfillBeforeCommit, true},
		{EmailAfterSend, false},
		{"", false},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildDiesAtPoint$")
		cmd.Env = append(os.Environ(), "FAULT_CHILD=1", "BACKSTOP_FAULTS="+tc.faults)
		out, err := cmd.Output()
		if !tc.wantKill {
			require.NoError(t, err, "faults=%q", tc.faults)
			require.Contains(t, string(out), "survived")
			continue
		}
		var exitErr *exec.ExitError
		require.ErrorAs(t, err, &exitErr)
		ws := exitErr.Sys().(syscall.WaitStatus)
		require.True(t, ws.Signaled(), "child should die of a signal")
		require.Equal(t, syscall.SIGKILL, ws.Signal())
		require.True(t, strings.Contains(string(out), "before") && !strings.Contains(string(out), "survived"))
	}
}
