package stripesim

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/backstophq/backstop/internal/loopback"
)

// A web page the developer visits can send the simulator requests without
// asking (a form, or fetch in no-cors mode: "simple requests", which CORS
// does not stop, only hides the answer of). Against the control API that is
// enough to make a paid order, so it refuses what only a browser sends on
// another site's behalf. Its own callers (tests, scripts, curl) send JSON
// and no Origin. The hosted page posts its form to /pay/{session}, not to
// /_sim, so it is unaffected.

// refuseBrowsers wraps a control route: 403 for a request another site
// made (Origin not the simulator's own, or Sec-Fetch-Site other than
// same-origin or none), 415 for a body that is not application/json, the
// one type a browser cannot send cross-site without a CORS preflight, which
// the simulator never grants.
func refuseBrowsers(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := crossSite(r); err != nil {
			writeJSON(w, err.Status, err.envelope())
			return
		}
		if err := notJSON(r); err != nil {
			writeJSON(w, err.Status, err.envelope())
			return
		}
		next(w, r)
	}
}

func crossSite(r *http.Request) *apiError {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return forbidden("The control API refuses requests from other sites (Sec-Fetch-Site: %s).", site)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if u, err := url.Parse(origin); err != nil || !strings.EqualFold(u.Host, r.Host) {
		return forbidden("The control API refuses requests from other sites (Origin: %s).", origin)
	}
	return nil
}

func notJSON(r *http.Request) *apiError {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return nil // no body at all, e.g. POST /_sim/webhooks/retry
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" {
		return nil
	}
	return &apiError{Status: http.StatusUnsupportedMediaType, Body: errorBody{
		Type:    "invalid_request_error",
		Message: "The control API takes JSON: send Content-Type: application/json (got " + quoteOrNone(ct) + ").",
	}}
}

func quoteOrNone(ct string) string {
	if ct == "" {
		return "none"
	}
	return `"` + ct + `"`
}

// onlyHosts answers 421 to a request whose Host is not one of hosts: the
// DNS rebinding defence (see internal/loopback) of a simulator on the
// developer's machine.
func onlyHosts(hosts []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loopback.Allowed(r.Host, hosts) {
			next.ServeHTTP(w, r)
			return
		}
		e := &apiError{Status: http.StatusMisdirectedRequest, Body: errorBody{
			Type:    "invalid_request_error",
			Message: "This simulator answers only on 127.0.0.1, localhost and [::1].",
		}}
		writeJSON(w, e.Status, e.envelope())
	})
}
