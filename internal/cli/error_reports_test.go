package cli

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAnonymousErrorsAreCountedNotStored: 20 bare returns from checkout (a
// 404 each), 20 console posts without the CSRF token and 20 unknown pages
// write no error_reports row; the counter by route and status says how
// many there were.
func TestAnonymousErrorsAreCountedNotStored(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	for range 20 {
		resp, body := s.do(t, httptest.NewRequest(http.MethodGet, "/checkout/return", nil))
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.Contains(t, body, `data-testid="no-ref"`)
		require.NotContains(t, body, `data-testid="error-ref"`)

		form := url.Values{"email": {"x@example.test"}, "password": {"guess"}}
		req := httptest.NewRequest(http.MethodPost, "/console/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ = s.do(t, req)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)

		resp, _ = s.do(t, httptest.NewRequest(http.MethodGet, "/wp-login.php", nil))
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	require.Zero(t, s.count(t, `SELECT count(*) FROM error_reports`))
	_, metrics := s.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var counted []string
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "backstop_error_pages_unrecorded_total{") {
			counted = append(counted, line)
		}
	}
	require.ElementsMatch(t, []string{
		`backstop_error_pages_unrecorded_total{route="/checkout/return",status="404"} 20`,
		`backstop_error_pages_unrecorded_total{route="/console",status="403"} 20`, // refused by the group's CSRF check
		`backstop_error_pages_unrecorded_total{route="unmatched",status="404"} 20`,
	}, counted)
}
