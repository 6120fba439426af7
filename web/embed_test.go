package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

func TestAssetsAreEmbedded(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"app.css", "console.css", "console.js", "favicon.svg", HTMX} {
		if _, err := fs.Stat(Files(), name); err != nil {
			t.Errorf("%s is not embedded: %v", name, err)
		}
	}
}

func TestURLCarriesContentHash(t *testing.T) {
	t.Parallel()
	if got := URL("app.css"); !regexp.MustCompile(`^/static/app\.css\?v=[0-9a-f]{12}$`).MatchString(got) {
		t.Errorf("URL(app.css) = %q, want a content-hashed path", got)
	}
	if got := URL("missing.css"); got != "/static/missing.css" {
		t.Errorf("URL(missing.css) = %q", got)
	}
}

// The vendored htmx must be the version its file name says.
func TestHTMXVersionMatchesFileName(t *testing.T) {
	t.Parallel()
	b, err := fs.ReadFile(Files(), HTMX)
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimSuffix(strings.TrimPrefix(HTMX, "htmx-"), ".min.js")
	if !strings.Contains(string(b), `version:"`+version+`"`) {
		t.Errorf("%s does not declare version %s", HTMX, version)
	}
}

// The fallback page inlines the CSS, so it must not fetch anything.
func TestCSSStandsAlone(t *testing.T) {
	t.Parallel()
	css := CSS()
	if strings.Contains(css, "url(") || strings.Contains(css, "@import") {
		t.Error("app.css refers to another file; the fallback page could not load it")
	}
	if strings.Contains(css, "</style") {
		t.Error("app.css would end the fallback page's inline <style> early")
	}
}
