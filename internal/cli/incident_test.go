package cli

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/incident"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/jobs"
)

// workIncidentJobs runs every incident job queued so far through the real
// workers (the test stack runs none): the payment jobs, then the finishing
// job, which must then find nothing left to wait for. It returns how many
// payment jobs there were.
func (s *testStack) workIncidentJobs(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	var rows []struct {
		ID   int64  `db:"id"`
		Kind string `db:"kind"`
		Inc  int64  `db:"incident_id"`
		PI   string `db:"payment_intent_id"`
	}
	require.NoError(t, s.store.DB().Select(&rows, `SELECT id, kind, CAST(args->>'incident_id' AS bigint) AS incident_id,
			COALESCE(args->>'payment_intent_id', '') AS payment_intent_id
		FROM river_job WHERE kind IN ('incident_payment', 'incident_finish') AND state = 'available'
		ORDER BY kind DESC, id`))
	pay := &jobs.IncidentPaymentWorker{Incidents: s.incidents}
	fin := &jobs.IncidentFinishWorker{Incidents: s.incidents}
	n := 0
	for _, r := range rows {
		row := &rivertype.JobRow{ID: r.ID}
		if r.Kind == "incident_payment" {
			n++
			require.NoError(t, pay.Work(ctx, &river.Job[jobs.IncidentPaymentArgs]{JobRow: row,
				Args: jobs.IncidentPaymentArgs{IncidentID: r.Inc, PaymentIntentID: r.PI}}))
		} else {
			require.NoError(t, fin.Work(ctx, &river.Job[jobs.IncidentFinishArgs]{JobRow: row,
				Args: jobs.IncidentFinishArgs{IncidentID: r.Inc}}))
		}
		_, err := s.store.DB().Exec(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, r.ID)
		require.NoError(t, err)
	}
	return n
}

func (s *testStack) planIncident(t *testing.T, from, to time.Time) incident.Summary {
	t.Helper()
	sum, err := s.incidents.Plan(context.Background(), from, to, "cli")
	require.NoError(t, err)
	return sum
}

// TestIncidentServesOnceAndApologisesOncePerCustomer: a window holds two
// unserved checkouts of one customer, one of another, an orphan payment of
// the plan's price, a served and emailed purchase, and an orphan of an
// amount no plan costs. The plan says provision 4, nothing 1, refund
// review 1 and changes nothing; the run serves the four through Fulfill
// (fulfilled_via incident) and sends three apologies (one per customer,
// none to the served customer nor to the held one); planning and running
// the window again does nothing, and neither do the run's jobs repeated.
func TestIncidentServesOnceAndApologisesOncePerCustomer(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	from := time.Now().Add(-time.Minute)
	s.checkout(t, "twice@example.test", true)
	s.checkout(t, "twice@example.test", true)
	s.checkout(t, "once@example.test", true)
	s.orphan(t, "orphan@example.test", demoPlan.Amount, nil)
	s.served(t, "fine@example.test")
	s.orphan(t, "odd@example.test", 100, nil)
	s.checkout(t, "never-paid@example.test", false)
	to := time.Now().Add(time.Minute)

	ordersBefore := s.count(t, `SELECT count(*) FROM orders`)
	emailsBefore := s.count(t, `SELECT count(*) FROM email_messages`)
	plan := s.planIncident(t, from, to)
	require.Equal(t, 6, plan.Payments)
	require.Equal(t, store.ActionCount{Count: 4, Amount: 4 * demoPlan.Amount}, plan.ByAction[store.ActionProvision])
	require.Equal(t, 1, plan.ByAction[store.ActionNothing].Count)
	require.Equal(t, store.ActionCount{Count: 1, Amount: 100}, plan.ByAction[store.ActionRefundReview])
	require.Equal(t, 0, plan.ByAction[store.ActionEmailOnly].Count)
	require.Equal(t, ordersBefore, s.count(t, `SELECT count(*) FROM orders`), "a dry run rebuilds no order")
	require.Equal(t, 0, s.count(t, `SELECT count(*) FROM orders WHERE fulfilled_via = 'incident'`))
	require.Equal(t, emailsBefore, s.count(t, `SELECT count(*) FROM email_messages`), "a dry run emails nobody")
	require.Equal(t, 0, s.count(t, `SELECT count(*) FROM river_job WHERE kind LIKE 'incident%'`))

	require.NoError(t, s.incidents.Run(ctx, plan.IncidentID, "cli", false))
	require.True(t, apperr.Is(s.incidents.Run(ctx, plan.IncidentID, "cli", false), apperr.Conflict), "one run per incident")
	require.Equal(t, 4, s.workIncidentJobs(t))
	require.Equal(t, 4, s.count(t, `SELECT count(*) FROM orders WHERE fulfilled_via = 'incident' AND status = 'fulfilled'`))
	require.Equal(t, 5, s.count(t, `SELECT count(*) FROM entitlement_grants`), "one grant per served payment")
	apologies := func(to string) int {
		return s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'incident_apology' AND lower(to_email) = $1`, to)
	}
	require.Equal(t, 1, apologies("twice@example.test"), "one apology for two payments")
	require.Equal(t, 1, apologies("once@example.test"))
	require.Equal(t, 1, apologies("orphan@example.test"))
	require.Equal(t, 0, apologies("fine@example.test"), "never to a customer the outage did not touch")
	require.Equal(t, 0, apologies("odd@example.test"), "a payment left for a person gets its holding email, not an apology")
	done, err := s.incidents.Summary(ctx, plan.IncidentID)
	require.NoError(t, err)
	require.Equal(t, "done", done.Status)
	require.Equal(t, 3, done.Apologies)
	require.Equal(t, 4, done.ByAction[store.ActionProvision].Done)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'incident.run_started' AND actor = 'cli'`))
	require.Equal(t, 4, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'incident.payment'`))

	// The run's jobs repeated (River runs a job at least once) do nothing.
	for _, pi := range s.incidentPayments(t, plan.IncidentID) {
		require.NoError(t, s.incidents.ActOn(ctx, plan.IncidentID, pi))
	}
	require.NoError(t, s.incidents.Finish(ctx, plan.IncidentID))

	again := s.planIncident(t, from, to)
	require.Equal(t, 0, again.ByAction[store.ActionProvision].Count, "everything served")
	require.Equal(t, 5, again.ByAction[store.ActionNothing].Count)
	require.NoError(t, s.incidents.Run(ctx, again.IncidentID, "cli", false))
	require.Equal(t, 0, s.workIncidentJobs(t))
	require.Equal(t, 5, s.count(t, `SELECT count(*) FROM entitlement_grants`), "no second grant")
	require.Equal(t, 3, s.count(t, `SELECT count(*) FROM email_messages WHERE template = 'incident_apology'`), "no second apology")
}

func (s *testStack) incidentPayments(t *testing.T, id int64) []string {
	t.Helper()
	var pis []string
	require.NoError(t, s.store.DB().Select(&pis, `SELECT payment_intent_id FROM incident_payments WHERE incident_id = $1`, id))
	return pis
}

// TestIncidentWindowAtMostThreeDays: a window one second over 3 days is
// refused in words and records nothing; exactly 3 days is planned.
func TestIncidentWindowAtMostThreeDays(t *testing.T) {
	s := newTestStack(t)
	to := time.Now().UTC().Truncate(time.Second)
	_, err := s.incidents.Plan(context.Background(), to.Add(-incident.MaxWindow-time.Second), to, "cli")
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Contains(t, err.Error(), "at most 3 days")
	require.Equal(t, 0, s.count(t, `SELECT count(*) FROM incidents`))
	sum := s.planIncident(t, to.Add(-incident.MaxWindow), to)
	require.Equal(t, incident.MaxWindow, sum.WindowTo.Sub(sum.WindowFrom))
}
