package handlers

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricsCountRequestsByRoutePattern(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	ta.get(t, "/healthz")
	ta.get(t, "/healthz")
	ta.get(t, "/wp-login.php")
	ta.plans.err = errSecret
	ta.get(t, "/")

	res := ta.get(t, "/metrics")

	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `backstop_http_requests_total{method="GET",route="/healthz",status="200"} 2`)
	assert.Contains(t, res.body, `backstop_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
	assert.Contains(t, res.body, `backstop_http_requests_total{method="GET",route="/",status="500"} 1`)
	assert.Contains(t, res.body, `backstop_http_request_duration_seconds_count{method="GET",route="/healthz"} 2`)
	assert.NotContains(t, res.body, "wp-login", "raw paths never become labels")
}

func TestStaticAssetsAreServedWithLongCache(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	for _, tc := range []struct{ path, contentType string }{
		{"/static/app.css?v=1", "text/css"},
		{"/static/htmx-2.0.11.min.js", "javascript"},
		{"/static/favicon.svg", "image/svg+xml"},
	} {
		res := ta.get(t, tc.path)
		assert.Equal(t, http.StatusOK, res.status, tc.path)
		assert.Contains(t, res.header.Get("Content-Type"), tc.contentType, tc.path)
		assert.Equal(t, "public, max-age=31536000", res.header.Get("Cache-Control"), tc.path)
	}

	res := ta.get(t, "/static/missing.css")
	assert.Equal(t, http.StatusNotFound, res.status)
}

// The layout links every asset it needs, and each link resolves.
func TestLayoutAssetsResolve(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	page := doc(t, ta.get(t, "/").body)

	var links []string
	for _, n := range elements(page, "link", "script") {
		if v := attr(n, "href") + attr(n, "src"); v != "" {
			links = append(links, v)
		}
	}
	require.Len(t, links, 3, "stylesheet, icon, htmx")
	for _, l := range links {
		assert.Equal(t, http.StatusOK, ta.get(t, l).status, l)
	}
}
