package e2e

import (
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// opsEmail is where a faults test's world sends its alerts.
const opsEmail = "ops@shop.test"

// faultWorld is a world for one fault of the world: alerts to opsEmail,
// catch-up (and so the alert check) every second, and a processor budget
// the simulator can take.
func faultWorld(t *testing.T, opts worldOptions, env ...string) *world {
	t.Helper()
	opts.memorySim = true
	w := newWorldWith(t, opts)
	w.extraEnv = append([]string{"ALERT_EMAIL=" + opsEmail, "RECON_EVENTS_INTERVAL=1s", "STRIPE_RATE_LIMIT=400"}, env...)
	return w
}

// readyz returns /readyz's status and body (0 and the error when the app
// does not answer).
func (w *world) readyz() (int, string) {
	resp, err := quick.Get(w.appURL("/readyz"))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReadyz polls /readyz until its body holds want, and returns it.
func (w *world) waitReadyz(d time.Duration, want string) string {
	w.t.Helper()
	var body string
	w.eventually(d, "/readyz says "+want, func() bool {
		_, body = w.readyz()
		return strings.Contains(body, want)
	})
	return body
}

// waitCalm polls /readyz until it answers 200 "ready" with nothing to report.
func (w *world) waitCalm(d time.Duration) {
	w.t.Helper()
	var last string
	deadline := time.Now().Add(d)
	for {
		code, body := w.readyz()
		if code == http.StatusOK && body == "ready" {
			return
		}
		if body != last {
			w.t.Logf("/readyz %d: %s", code, body)
			last = body
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("/readyz not calm within %s: %d %s", d, code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// opsAlerts counts the alert and recovery emails Mailpit received for
// opsEmail, and returns their subjects for the log.
func (w *world) opsAlerts() (alerts, recoveries int, subjects []string) {
	for _, m := range w.mail.MessagesTo(w.t, opsEmail) {
		subjects = append(subjects, m.Subject)
		switch {
		case strings.Contains(m.Subject, "Backstop alert:"):
			alerts++
		case strings.Contains(m.Subject, "Backstop recovered:"):
			recoveries++
		}
	}
	return alerts, recoveries, subjects
}

// requireOneAlertAndRecovery waits until Mailpit holds the outage's alert
// and its recovery notice (a database outage sends both at once, in either
// order), lets a late duplicate land, then requires exactly one of each,
// with want in the alert's subject.
func (w *world) requireOneAlertAndRecovery(d time.Duration, want string) {
	w.t.Helper()
	w.eventually(d, "the alert and the recovery notice reach Mailpit", func() bool {
		a, r, _ := w.opsAlerts()
		return a > 0 && r > 0
	})
	time.Sleep(500 * time.Millisecond)
	alerts, recoveries, subjects := w.opsAlerts()
	w.t.Logf("emails to %s: %q", opsEmail, subjects)
	require.Equal(w.t, 1, alerts, "one alert per outage: %q", subjects)
	require.Equal(w.t, 1, recoveries, "one recovery notice per outage: %q", subjects)
	require.Len(w.t, subjects, 2, "nothing else to ops: %q", subjects)
	found := false
	for _, s := range subjects {
		found = found || strings.Contains(s, want)
	}
	require.True(w.t, found, "an alert about %q: %q", want, subjects)
}

// requireCalmPage fails unless body is one of our calm pages: the error
// page with a reference or a Try again button, or the status page; never
// a blank page or a trace.
func requireCalmPage(t *testing.T, code int, body string) {
	t.Helper()
	require.NotEmpty(t, strings.TrimSpace(body), "a blank page (status %d)", code)
	for _, leak := range []string{"goroutine ", "panic:", "runtime error", "pq: ", "sql: ", "dial tcp"} {
		require.NotContains(t, body, leak, "the page shows internals (status %d)", code)
	}
	var shows []string
	for marker, words := range map[string]string{"Your reference:": "a reference", `data-testid="retry"`: "Try again",
		`href="/status"`: "the status page link"} {
		if strings.Contains(body, marker) {
			shows = append(shows, words)
		}
	}
	require.NotEmpty(t, shows, "status %d, not a calm page:\n%s", code, body)
	sort.Strings(shows)
	t.Logf("the calm page (%d) shows %s", code, strings.Join(shows, ", "))
}

// finishClean waits for the checker to find nothing, stops the app
// gracefully and checks once more over the final state.
func (w *world) finishClean(d time.Duration) {
	w.t.Helper()
	vs := w.untilClean(d)
	for _, v := range vs {
		w.t.Error(v.String())
	}
	if len(vs) > 0 {
		w.t.FailNow()
	}
	stopGracefully(w.t, w.app)
	for _, v := range w.check() {
		w.t.Error(v.String())
	}
}
