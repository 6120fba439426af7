package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/views"
	"github.com/backstophq/backstop/web"
)

// The fallback page is what `backstop fallback-page` prints: one HTML
// document that stands alone while the app is down.
func TestFallbackPageStandsAlone(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	v := views.FallbackView{SupportEmail: "help@acme.test", CSS: web.CSS()}
	require.NoError(t, views.FallbackPage(v).Render(context.Background(), &buf))
	page := buf.String()

	assert.True(t, strings.HasPrefix(strings.ToLower(page), "<!doctype html>"), "a full document")
	assert.True(t, strings.HasSuffix(strings.TrimSpace(page), "</html>"))
	assert.Contains(t, page, `<meta http-equiv="refresh" content="15">`)
	assert.Contains(t, page, ">help@acme.test</a>")
	assert.Contains(t, page, `href="mailto:help@acme.test?subject=Help%20with%20my%20payment"`)
	assert.Contains(t, page, "your money is safe")
	assert.Contains(t, page, "<style>/* Backstop", "the CSS is inlined")
	assert.NotContains(t, page, "/static/", "nothing is fetched from the app that is down")
	assert.NotContains(t, page, "<script")
	assert.NotContains(t, page, `data-testid="error-ref"`, "no reference: nothing was stored")
	for _, placeholder := range []string{"{ ", "{{", "%!", "<no value>", "$SUPPORT"} {
		assert.NotContains(t, stripStyle(page), placeholder)
	}
}

func TestFallbackPageRefreshIsConfigurable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	v := views.FallbackView{SupportEmail: "help@acme.test", CSS: web.CSS(), RefreshSeconds: 30}
	require.NoError(t, views.FallbackPage(v).Render(context.Background(), &buf))
	assert.Contains(t, buf.String(), `<meta http-equiv="refresh" content="30">`)
}

// stripStyle drops the inlined stylesheet, whose braces are CSS, not
// template placeholders.
func stripStyle(page string) string {
	start, end := strings.Index(page, "<style>"), strings.Index(page, "</style>")
	if start < 0 || end < start {
		return page
	}
	return page[:start] + page[end:]
}
