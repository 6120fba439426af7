package cli

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// TestIncidentConsolePlanRunAdminOnly: support plans a window on
// /console/incidents and sees the same counts as the plan; support's Run is
// refused (403) and changes nothing; the admin's Run starts the jobs, is
// audited with the admin's email, and the record page shows each payment's
// outcome, the apology count, and exports the same rows as CSV. A window
// over 3 days is refused in words (422), recording nothing.
func TestIncidentConsolePlanRunAdminOnly(t *testing.T) {
	s := newTestStack(t)
	from := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	s.checkout(t, "a@example.test", true)
	s.checkout(t, "b@example.test", true)
	s.served(t, "c@example.test")
	to := time.Now().UTC().Add(time.Minute).Truncate(time.Second)

	support := s.staffBrowser(t, "sam@shop.test", staff.RoleSupport)
	require.Contains(t, support.get(t, "/console/").body, `href="/console/incidents"`, "the nav links to incidents")
	long := support.post(t, "/console/incidents", url.Values{
		"from": {to.Add(-73 * time.Hour).Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}})
	require.Equal(t, http.StatusUnprocessableEntity, long.status)
	require.Contains(t, long.one(t, "incident-problem"), "at most 3 days")
	require.Equal(t, 0, s.count(t, `SELECT count(*) FROM incidents`))

	res := support.post(t, "/console/incidents", url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	where := res.header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(where, "/console/incidents/"), 10, 64)
	require.NoError(t, err, where)
	sum, err := s.incidents.Summary(t.Context(), id)
	require.NoError(t, err)
	pg := support.get(t, where)
	for _, row := range pg.all("incident-action") {
		a := attrOf(row, "data-action")
		require.Equal(t, strconv.Itoa(sum.ByAction[a].Count), textOf(findTestID(row, "incident-count")), a)
	}
	require.Equal(t, 2, sum.ByAction[store.ActionProvision].Count)
	require.Len(t, pg.all("incident-payment"), 3)
	require.Empty(t, pg.all("action-incident-run"), "support sees no Run button")

	refused := support.post(t, where+"/run", url.Values{})
	require.Equal(t, http.StatusForbidden, refused.status)
	require.Equal(t, 0, s.count(t, `SELECT count(*) FROM river_job WHERE kind LIKE 'incident%'`))

	admin := s.staffBrowser(t, "ada@shop.test", staff.RoleAdmin)
	admin.get(t, where)
	require.Len(t, admin.get(t, where).all("action-incident-run"), 1)
	ran := admin.post(t, where+"/run", url.Values{})
	require.Equal(t, http.StatusSeeOther, ran.status, ran.body)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'incident.run_started' AND actor = 'ada@shop.test'`))
	running := admin.get(t, where)
	require.Equal(t, "running", running.one(t, "incident-status"))
	require.Len(t, running.all("action-incident-cancel"), 1)
	progress := func() string {
		p := admin.get(t, where+"/progress", "HX-Request", "true")
		require.Contains(t, p.body, `hx-trigger="every 1s"`, "it polls while the run goes on")
		return attrOf(p.all("incident-progress")[0], "value")
	}
	require.Equal(t, "0", progress())
	// A payment the bar counts: the served one's "nothing" is not acted on.
	var first string
	require.NoError(t, s.store.DB().Get(&first, `SELECT payment_intent_id FROM incident_payments
		WHERE incident_id = $1 AND action = 'provision' ORDER BY payment_intent_id LIMIT 1`, id))
	require.NoError(t, s.incidents.ActOn(t.Context(), id, first))
	require.Equal(t, "1", progress(), "the bar moves as payments are done")
	require.Equal(t, 2, s.workIncidentJobs(t), "both jobs run; the one whose payment is done acts no more")

	done := admin.get(t, where)
	require.NotContains(t, done.body, `hx-trigger="every 1s"`, "polling stops once the run is finished")
	require.Equal(t, "done", done.one(t, "incident-status"))
	require.Equal(t, "2", done.one(t, "incident-apologies"))
	require.Equal(t, "2", done.one(t, "incident-done"))
	csv := admin.get(t, where+"/export.csv")
	require.Equal(t, http.StatusOK, csv.status)
	require.Equal(t, 2, strings.Count(csv.body, ",provision,provisioned"), csv.body)
	require.Equal(t, 1, strings.Count(csv.body, ",nothing,"), csv.body)
}

// findTestID is the first element under n with data-testid=id.
func findTestID(n *html.Node, id string) *html.Node {
	if n.Type == html.ElementNode && attrOf(n, "data-testid") == id {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findTestID(c, id); f != nil {
			return f
		}
	}
	return nil
}
