package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestSimOnLoopbackRefusesOtherHostsAndPlainPosts: `backstop sim` on its
// default kind of address (loopback) answers only this machine's names, and
// its control API takes JSON only, so a web page cannot drive it.
func TestSimOnLoopbackRefusesOtherHostsAndPlainPosts(t *testing.T) {
	t.Parallel()
	addr := e2e.FreeAddr(t)
	sim := e2e.Start(t, e2e.Binary(t), []string{"sim", "--addr", addr}, nil)
	sim.WaitHTTP(t, "http://"+addr+"/_sim/stats", 30*time.Second)

	send := func(host, contentType string) int {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/_sim/payments", strings.NewReader(`{"amount":100}`))
		require.NoError(t, err)
		req.Host = host
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusMisdirectedRequest, send("evil.example", "application/json"), "another Host name")
	assert.Equal(t, http.StatusUnsupportedMediaType, send(addr, "text/plain"), "a text/plain post")
	assert.Equal(t, http.StatusOK, send(addr, "application/json"), "what scripts send")
}
