package cli

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDevMailboxOnlyUnderDev: serve's configuration never routes the
// mailbox (it would show customers' emails to anyone); dev's does.
func TestDevMailboxOnlyUnderDev(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	require.False(t, s.cfg.DevMailbox, "serve's configuration")

	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/dev/mailbox", nil), -1)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	s.cfg.DevMailbox = true // as devConfig sets it
	resp, err = s.webApp().Test(httptest.NewRequest(http.MethodGet, "/dev/mailbox", nil), -1)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, devConfig("127.0.0.1:8080", "127.0.0.1:12111", devSecrets{}, nil).DevMailbox)
}

// TestDevAnswersOnlyThisMachinesNames: dev's configuration refuses a Host
// that is not this machine's (DNS rebinding), so no web page can read the
// mailbox; serve's answers any Host.
func TestDevAnswersOnlyThisMachinesNames(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	get := func(host string) int {
		req := httptest.NewRequest(http.MethodGet, "/dev/mailbox", nil)
		req.Host = host
		resp, err := s.webApp().Test(req, -1)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Empty(t, s.cfg.AllowedHosts, "serve's configuration")
	s.cfg.DevMailbox = true
	assert.Equal(t, http.StatusOK, get("evil.example:8080"), "serve's app answers any Host")

	dev := devConfig("127.0.0.1:8080", "127.0.0.1:12111", devSecrets{}, nil)
	s.cfg.AllowedHosts = dev.AllowedHosts
	assert.Equal(t, http.StatusMisdirectedRequest, get("evil.example:8080"))
	assert.Equal(t, http.StatusOK, get("127.0.0.1:8080"))
	assert.Equal(t, http.StatusOK, get("localhost:8080"))
}
