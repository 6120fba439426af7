package handlers

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// htmx gets the partial only for a plain htmx request; boosted links and
// history restores replace the whole page, so they get it.
func TestRenderPicksPageOrPartial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		headers  []string
		fullPage bool
	}{
		{"browser", nil, true},
		{"htmx", hxRequest, false},
		{"htmx boosted", hxBoosted, true},
		{"htmx history restore", hxRestore, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ta := setup(t)

			res := ta.get(t, "/", tc.headers...)

			require.Equal(t, http.StatusOK, res.status)
			assert.Equal(t, tc.fullPage, containsHTMLTag(res.body))
			assert.Contains(t, res.header.Values("Vary"), "HX-Request")
			assert.Equal(t, "text/html; charset=utf-8", res.header.Get("Content-Type"))
			assert.Len(t, byTestID(doc(t, res.body), "plan"), 1, "both carry the content")
		})
	}
}
