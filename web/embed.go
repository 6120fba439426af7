// Package web holds Backstop's static assets: our own CSS, the favicon and
// the vendored htmx, embedded in the binary so one file is the whole
// deployment. Pages link assets through URL, which adds a content hash so the
// long cache lifetime the server sets never serves a stale file after a
// release.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

// Static is the embedded static directory; files live under "static/".
//
//go:embed static
var Static embed.FS

// HTMX is the file name of the vendored htmx build. The version is in the
// name so an upgrade is a visible, reviewable change (npm: htmx.org).
const HTMX = "htmx-2.0.11.min.js"

// Files returns the static files rooted at the static directory, as the
// server mounts them under /static/.
func Files() fs.FS {
	sub, err := fs.Sub(Static, "static")
	if err != nil {
		// fs.Sub only fails on an invalid path, and "static" is a constant.
		panic(err)
	}
	return sub
}

// versions maps each static file name to a short hash of its content. It is
// computed once from the embedded (read-only) files.
var versions = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(Files(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Files(), path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		m[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	return m
})

// URL returns the path of a static file as pages should link it:
// "/static/app.css?v=<content hash>". A name that is not embedded gets no
// version, so a typo shows up as a 404 in the browser, not as a panic.
func URL(name string) string {
	if v, ok := versions()[name]; ok {
		return "/static/" + name + "?v=" + v
	}
	return "/static/" + name
}

// CSS returns our stylesheet, for pages that must stand alone (the static
// fallback page a reverse proxy serves while the app is down).
func CSS() string {
	b, err := fs.ReadFile(Static, "static/app.css")
	if err != nil {
		panic(err) // embedded at build time; cannot be missing
	}
	return string(b)
}
