package cli

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/staff"
)

// TestIncidentLastOutagePreset: with no outage recorded /console/incidents
// says so; once the database alert has told an outage, the page offers its
// window, five minutes wider on each side, as a preset that fills the form,
// and planning it is accepted. An outage longer than 3 days is offered as
// its first 3 days, which plan too.
func TestIncidentLastOutagePreset(t *testing.T) {
	s, a, _ := dependencyStack(t, "database")
	ctx := t.Context()
	support := s.staffBrowser(t, "sam@shop.test", staff.RoleSupport)
	pg := support.get(t, "/console/incidents")
	require.Contains(t, pg.one(t, "preset-no-outage"), "no outage recorded")
	require.Empty(t, pg.all("preset-last-outage"))

	now := time.Now().UTC()
	down, up := now.Add(-20*time.Minute+7*time.Second), now.Add(-10*time.Minute+3*time.Second)
	s.dbOutages.Record(down, errors.New("dial tcp: connection refused"))
	s.dbOutages.Record(up, nil)
	require.NoError(t, a.Check(ctx))

	from := down.Add(-5 * time.Minute).Truncate(time.Minute)
	to := up.Add(5 * time.Minute).Truncate(time.Minute).Add(time.Minute)
	pg = support.get(t, "/console/incidents")
	require.Empty(t, pg.all("preset-no-outage"))
	require.Contains(t, pg.one(t, "preset-last-outage-reason"), "connection refused")
	link := attrOf(pg.all("preset-last-outage")[0], "href")
	u, err := url.Parse(link)
	require.NoError(t, err)
	require.Equal(t, from.Format(time.RFC3339), u.Query().Get("from"), link)
	require.Equal(t, to.Format(time.RFC3339), u.Query().Get("to"), link)

	filled := support.get(t, link)
	require.Equal(t, u.Query().Get("from"), attrOf(filled.all("incident-from")[0], "value"))
	require.Equal(t, u.Query().Get("to"), attrOf(filled.all("incident-to")[0], "value"))
	res := support.post(t, "/console/incidents", url.Values{"from": {u.Query().Get("from")}, "to": {u.Query().Get("to")}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)

	// A newer outage that lasted four days is offered as its first three.
	long := now.Add(-4 * 24 * time.Hour)
	s.dbOutages.Record(long, errors.New("connection reset"))
	s.dbOutages.Record(now.Add(-time.Minute), nil)
	require.NoError(t, a.Check(ctx))
	pg = support.get(t, "/console/incidents")
	require.Contains(t, pg.one(t, "preset-last-outage-reason"), "connection reset", "the newest outage is offered")
	require.Contains(t, pg.body, "longer than 3 days")
	u, err = url.Parse(attrOf(pg.all("preset-last-outage")[0], "href"))
	require.NoError(t, err)
	capFrom, err := time.Parse(time.RFC3339, u.Query().Get("from"))
	require.NoError(t, err)
	capTo, err := time.Parse(time.RFC3339, u.Query().Get("to"))
	require.NoError(t, err)
	require.Equal(t, long.Add(-5*time.Minute).Truncate(time.Minute), capFrom)
	require.Equal(t, 72*time.Hour, capTo.Sub(capFrom))
	res = support.post(t, "/console/incidents", url.Values{"from": {u.Query().Get("from")}, "to": {u.Query().Get("to")}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM incidents`))
}
