package cli

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServeRefusesBadConfiguration: serve and worker stop before touching
// anything, with one line per bad variable that names it.
func TestServeRefusesBadConfiguration(t *testing.T) {
	for _, cmd := range []string{"serve", "worker"} {
		env := map[string]string{
			"DATABASE_URL": "postgres://127.0.0.1:1/none", "STRIPE_SECRET_KEY": "pk_live_oops",
			"STRIPE_WEBHOOK_SECRET": "whsec_x", "BASE_URL": "https://shop.example.com", "SUPPORT_EMAIL": "help@example.com",
			"RECON_GRACE": "soon",
		}
		_, _, err := runInProcess(t, env, cmd)
		require.Error(t, err)
		lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
		require.Equal(t, []string{
			"configuration:",
			"STRIPE_SECRET_KEY must start with sk_test_ or sk_live_ or rk_test_ or rk_live_",
			`RECON_GRACE must be a positive duration like 30s or 2m, got "soon"`,
		}, lines, cmd)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	out, _, err := runInProcess(t, nil, "help")
	require.NoError(t, err)
	for _, c := range commands() {
		require.Contains(t, out, c.name)
		_, stderr, err := runInProcess(t, nil, c.name, "--help")
		require.NoError(t, err, c.name)
		require.Contains(t, stderr, "usage: backstop "+c.name, c.name)
	}
	_, _, err = runInProcess(t, nil, "frobnicate")
	require.ErrorContains(t, err, `unknown command "frobnicate"`)
}

// TestFallbackPage: the proxy's page is a whole document that needs nothing
// from the (down) app, tells the customer their money is safe, and names
// the support address.
func TestFallbackPage(t *testing.T) {
	out, _, err := runInProcess(t, map[string]string{"SUPPORT_EMAIL": "help@shop.example"}, "fallback-page")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(strings.ToLower(out), "<!doctype html>"))
	require.Contains(t, out, "help@shop.example")
	require.Contains(t, out, "your money is safe")
	require.Contains(t, out, `http-equiv="refresh"`)
	require.NotContains(t, out, "/static/", "no asset from the app that is down")
	require.NotContains(t, out, "<script")
}
