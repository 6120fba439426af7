package cli

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/health"
	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/store"
)

// alertSubjects are the subjects of the staff alerts queued to ops, oldest first.
func (s *testStack) alertSubjects(t *testing.T) []string {
	t.Helper()
	var subjects []string
	require.NoError(t, s.store.DB().Select(&subjects,
		`SELECT subject FROM email_messages WHERE template = 'staff_alert' AND to_email = 'ops@shop.test' ORDER BY id`))
	return subjects
}

func dependencyStack(t *testing.T, kind string) (*testStack, *recon.Alerter, *health.Calls) {
	t.Helper()
	s := sweepStack(t)
	calls := &health.Calls{Slow: time.Second}
	a := s.recon.alerter
	a.Email = "ops@shop.test"
	a.Watches = nil
	for _, w := range dependencyWatches(s.store, calls, s.dbOutages) {
		if w.Kind == kind {
			a.Watches = append(a.Watches, w)
		}
	}
	require.Len(t, a.Watches, 1)
	return s, a, calls
}

// TestMailOutageAlertsOnceAndRecovers: emails waiting after a failed SMTP
// attempt raise one alert however often the switch is checked, /readyz
// says so at once, and the backlog sent clears it with one recovery.
func TestMailOutageAlertsOnceAndRecovers(t *testing.T) {
	s, a, _ := dependencyStack(t, "mail")
	ctx := context.Background()
	_, err := s.store.DB().Exec(`INSERT INTO email_messages
		(template, template_version, to_email, subject, html_body, text_body, dedupe_key, message_id, attempts, last_error)
		VALUES ('order_confirmation', 0, 'jane@example.test', 's', 'h', 't', 'k1', '<m1@shop.test>', 2, 'dial tcp: connection refused')`)
	require.NoError(t, err)
	_, body := s.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Contains(t, body, "trouble: outgoing mail: 1 emails waiting to be sent since")
	require.Contains(t, body, "connection refused")
	for range 4 {
		require.NoError(t, a.Check(ctx))
	}
	subjects := s.alertSubjects(t)
	require.Len(t, subjects, 1, "one alert per outage, not one per check")
	require.Contains(t, subjects[0], "Backstop alert: outgoing mail: 1 emails waiting")
	resp, body := s.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode, "mail trouble does not take the instance out of rotation")
	require.Contains(t, body, "alert: outgoing mail: 1 emails waiting")

	// The alert itself is queued too; mark the whole backlog sent.
	_, err = s.store.DB().Exec(`UPDATE email_messages SET status = 'sent', sent_at = now()`)
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, a.Check(ctx))
	}
	require.Equal(t, []string{subjects[0], "[Backstop] Backstop recovered: outgoing mail is working again"}, s.alertSubjects(t))
	_, body = s.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, "ready", body)
}

// TestProcessorTroubleAlertsOnceAndRecovers: bad answers from the
// processor raise one alert and show on /readyz; a run of good ones clears
// it with one recovery.
func TestProcessorTroubleAlertsOnceAndRecovers(t *testing.T) {
	s, a, calls := dependencyStack(t, "processor")
	ctx := context.Background()
	began := time.Now()
	for range 5 {
		calls.Record(time.Now(), 0, "GET /v1/events answered 500 Internal Server Error")
		require.NoError(t, a.Check(ctx))
	}
	require.True(t, lastOutage(t, a, "processor").To.IsZero(), "an outage going on is not yet a window")
	_, body := s.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Contains(t, body, "trouble: the payment processor: 5 bad answers since")
	require.Len(t, s.alertSubjects(t), 1)
	calls.Record(time.Now(), 2*time.Second, "") // slow: still in trouble
	for range 5 {
		calls.Record(time.Now(), 0, "")
		require.NoError(t, a.Check(ctx))
	}
	got := s.alertSubjects(t)
	require.Len(t, got, 2)
	require.Contains(t, got[0], "the payment processor: 5 bad answers")
	require.Equal(t, "[Backstop] Backstop recovered: the payment processor is working again", got[1])
	last := lastOutage(t, a, "processor")
	require.True(t, !last.From.Before(began) && last.To.After(last.From), "raised %v, recovered %v", last.From, last.To)
	require.Contains(t, last.Reason, "5 bad answers")
}

// TestDatabaseOutageToldOnceWhenItAnswersAgain: an outage the process saw
// is told, alert and recovery, in the first check after the database
// answers again, and only once, even when a second process saw it too.
func TestDatabaseOutageToldOnceWhenItAnswersAgain(t *testing.T) {
	s, a, _ := dependencyStack(t, "database")
	ctx := context.Background()
	t0 := time.Now().Add(-10 * time.Second)
	s.dbOutages.Record(t0, errors.New("dial tcp: connection refused"))
	_, pending := s.dbOutages.Oldest()
	require.False(t, pending, "an outage still going on cannot be told yet")
	// The check runs, so the database answers: the outage is over, though
	// the watcher's pings have not said so yet.
	require.NoError(t, a.Check(ctx))
	got := s.alertSubjects(t)
	require.Len(t, got, 2)
	require.Contains(t, got[0], "Backstop alert: the database: unreachable from")
	require.Contains(t, got[0], "dial tcp: connection refused")
	require.Equal(t, "[Backstop] Backstop recovered: the database is working again", got[1])
	last := lastOutage(t, a, "database")
	require.True(t, last.From.Equal(t0), "the outage began when the pings first failed, not when it was told: %v", last.From)
	require.True(t, last.To.After(t0) && !last.To.After(time.Now()), "it ended when the database answered: %v", last.To)
	_, pending = s.dbOutages.Oldest()
	require.False(t, pending, "a told outage is forgotten")

	// A second instance saw the same outage and reports it a moment later.
	other := &health.Outages{}
	other.Record(t0.Add(time.Second), errors.New("connection reset"))
	other.Record(t0.Add(6*time.Second), nil)
	a.Watches = []recon.Watch{{Kind: "database", What: "the database", Probe: databaseProbe(other, s.store.DB().PingContext)}}
	require.NoError(t, a.Check(ctx))
	require.NoError(t, a.Check(ctx))
	require.Len(t, s.alertSubjects(t), 2, "the same outage seen twice is told once")
}

// lastOutage is a kind's alert record of its newest outage that is over.
func lastOutage(t *testing.T, a *recon.Alerter, kind string) recon.Outage {
	t.Helper()
	statuses, err := a.Status(context.Background())
	require.NoError(t, err)
	for _, st := range statuses {
		if st.Kind == kind {
			return st.LastOutage
		}
	}
	t.Fatal("no such watch: " + kind)
	return recon.Outage{}
}

// TestRunFailingForADependencyIsNotASecondAlert: catch-up failing because
// the processor fails is the same outage: the processor's alert is the
// only one, during it and in its cooldown after.
func TestRunFailingForADependencyIsNotASecondAlert(t *testing.T) {
	s, a, calls := dependencyStack(t, "processor")
	ctx := context.Background()
	a.Watches = append(a.Watches, recon.Watch{Kind: "events", Interval: time.Hour})
	failRun := func() {
		id, err := s.store.StartReconRun(ctx, "events", false, "")
		require.NoError(t, err)
		msg := "list events: 500 Internal Server Error"
		require.NoError(t, s.store.FinishReconRun(ctx, store.ReconRun{ID: id, Kind: "events", Error: &msg}))
	}
	for range 5 {
		calls.Record(time.Now(), 0, "GET /v1/events answered 500 Internal Server Error")
	}
	failRun()
	require.NoError(t, a.Check(ctx))
	require.NoError(t, a.Check(ctx))
	for range 5 {
		calls.Record(time.Now(), 0, "")
	}
	require.NoError(t, a.Check(ctx))
	failRun() // a run that failed just before the processor came back
	require.NoError(t, a.Check(ctx))
	got := s.alertSubjects(t)
	require.Len(t, got, 2, "one alert and one recovery for the one outage: %v", got)
	require.Contains(t, got[0], "the payment processor")
}
