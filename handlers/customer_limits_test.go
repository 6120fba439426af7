package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// fakeSelfService counts the status-by-email jobs asked for.
type fakeSelfService struct {
	mu    sync.Mutex
	asked []string
}

func (f *fakeSelfService) RequestStatusLinks(_ context.Context, email string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, email)
	return nil
}

func (f *fakeSelfService) Claim(context.Context, billing.Claim) (billing.ClaimResult, error) {
	return billing.ClaimResult{Outcome: billing.ClaimNoMatch}, nil
}

func (f *fakeSelfService) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.asked)
}

type noCheckout struct{ Checkout }

func lookUp(t *testing.T, ta *testApp, email, realIP string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/status", strings.NewReader(url.Values{"email": {email}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Real-IP", realIP)
	req.Header.Set("X-Forwarded-For", realIP)
	res, err := ta.app.Test(req, -1)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// TestClientAddressComesFromTrustedProxiesOnly: the limits per client
// count the connection's address; X-Real-IP counts only from a trusted
// proxy, so a client cannot reset its own limit by sending the header.
func TestClientAddressComesFromTrustedProxiesOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []string
		want    int // jobs asked for: 11 lookups from one address, then one from another
	}{
		{"no proxy: the header is ignored", nil, 10},
		{"an untrusted proxy: the header is ignored", []string{"10.9.9.9"}, 10},
		{"behind a trusted proxy: each client counts alone", []string{"0.0.0.0/8"}, 11},
	} {
		ss := &fakeSelfService{}
		ta := setup(t, func(d *Deps) {
			d.Checkout, d.SelfService, d.TrustedProxies = noCheckout{}, ss, tc.trusted
		})
		for i := range 11 {
			require.Equal(t, http.StatusOK, lookUp(t, ta, "a"+strings.Repeat("x", i)+"@example.test", "203.0.113.7"))
		}
		require.Equal(t, http.StatusOK, lookUp(t, ta, "b@example.test", "198.51.100.2"))
		require.Equal(t, tc.want, ss.count(), tc.name)
	}
}
