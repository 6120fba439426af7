package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/loopback"
)

// hostGet sends GET path with the Host header set to host.
func (ta *testApp) hostGet(t *testing.T, host, path string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := ta.app.Test(req, -1)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// TestDevAnswersOnlyLoopbackHosts: with AllowedHosts set, as dev sets it, a
// page that rebinds evil.example to 127.0.0.1 gets 421 and nothing of the
// mailbox, even when it adds X-Forwarded-Host.
func TestDevAnswersOnlyLoopbackHosts(t *testing.T) {
	t.Parallel()
	ta := withMailbox(t, func(d *Deps) { d.AllowedHosts = loopback.Hosts("127.0.0.1:8080") })

	for _, host := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.1:18080"} {
		res := ta.hostGet(t, host, "/dev/mailbox")
		assert.Equal(t, http.StatusOK, res.status, "Host %s", host)
		assert.Contains(t, res.body, "jane@example.com", "Host %s", host)
	}
	for _, host := range []string{"evil.example", "evil.example:8080", "127.0.0.1.evil.example:8080", ""} {
		res := ta.hostGet(t, host, "/dev/mailbox")
		assert.Equal(t, http.StatusMisdirectedRequest, res.status, "Host %q", host)
		assert.NotContains(t, res.body, "jane@example.com", "Host %q", host)
		assert.Contains(t, res.body, "answers only on 127.0.0.1")
	}
	res := ta.hostGet(t, "evil.example:8080", "/dev/mailbox", "X-Forwarded-Host", "127.0.0.1:8080")
	assert.Equal(t, http.StatusMisdirectedRequest, res.status, "X-Forwarded-Host is not the Host")
}

// TestServeAnswersAnyHost: without AllowedHosts (serve), the Host is the
// proxy's business.
func TestServeAnswersAnyHost(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	assert.Equal(t, http.StatusOK, ta.hostGet(t, "pay.example.com", "/healthz").status)
}
