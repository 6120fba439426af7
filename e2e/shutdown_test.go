package e2e

import (
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestServeShutsDownGracefully: SIGTERM during a checkout that waits on a
// slow processor lets that request finish (the customer still reaches the
// payment page), then River and the process stop cleanly with exit 0.
func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := w.startApp("")
	w.simJSON(http.MethodPost, "/_sim/faults", map[string]any{"api_latency_ms": 1500}, nil)

	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		form := url.Values{"email": {"slow@example.test"}, "plan": {"pro-yearly"}, "form_token": {formToken()}}
		resp, err := w.noRedirect.PostForm(w.appURL("/checkout"), form)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	time.Sleep(500 * time.Millisecond) // the request is now waiting on the processor
	require.NoError(t, app.Signal(syscall.SIGTERM))

	r := <-done
	require.NoError(t, r.err, "the in-flight request finished")
	require.Equal(t, http.StatusSeeOther, r.status)
	ws, err := app.WaitExit(20 * time.Second)
	require.NoError(t, err)
	require.True(t, ws.Exited(), "exited rather than killed")
	require.Equal(t, 0, ws.ExitStatus(), app.Output())
	require.Contains(t, app.Output(), "shutting down")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE checkout_session_id IS NOT NULL`))
}
