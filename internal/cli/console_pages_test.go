package cli

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/recon"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// TestConsoleDashboard: the numbers come from the database: open
// mismatches by kind, their amounts by currency, disputes with days left,
// orders paid and served per UTC day, the latest runs.
func TestConsoleDashboard(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	db := s.store.DB()
	// Two days ago: three paid, two served (one the day after); today one
	// paid and not served; one paid 40 days ago, outside the chart.
	for i, o := range []struct {
		paid   time.Time
		served *time.Time
	}{
		{today.Add(-47 * time.Hour), ptr(today.Add(-47 * time.Hour))},
		{today.Add(-46 * time.Hour), ptr(today.Add(-46 * time.Hour))},
		{today.Add(-45 * time.Hour), ptr(today.Add(-23 * time.Hour))},
		{today.Add(time.Minute), nil},
		{today.Add(-40 * 24 * time.Hour), ptr(today.Add(-40 * 24 * time.Hour))},
	} {
		status, via := "paid", (*string)(nil)
		if o.served != nil {
			status, via = "fulfilled", ptr("sweep")
		}
		_, err := db.Exec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key,
			fulfilled_via, paid_at, fulfilled_at) VALUES ($1, 'o@example.test', 'pro-yearly', 24900, 'usd', $2, $1, $3, $4, $5)`,
			"BK-D"+strconv.Itoa(i), status, via, o.paid, o.served)
		require.NoError(t, err)
	}
	_, err := db.Exec(`
		INSERT INTO mismatches (kind, subject, email, amount, currency, urgent, evidence_due_by) VALUES
			('disputed', 'dp_1', 'angry@example.test', 24900, 'usd', true, now() + interval '3 days 2 hours'),
			('identity_unknown', 'pi_1', NULL, 24900, 'usd', false, NULL),
			('identity_unknown', 'pi_2', NULL, 9900, 'usd', false, NULL),
			('amount_mismatch', 'pi_3', 'eu@example.test', 5000, 'eur', false, NULL);
		INSERT INTO mismatches (kind, subject, amount, currency, status, resolved_at) VALUES
			('orphan_payment', 'pi_4', 100000, 'usd', 'resolved', now())`)
	require.NoError(t, err)
	run, err := s.store.StartReconRun(ctx, "sweep", false, "")
	require.NoError(t, err)
	require.NoError(t, s.store.FinishReconRun(ctx, store.ReconRun{ID: run, ObjectsSeen: 40, Healed: 2, MismatchesOpened: 3}))

	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	p := b.get(t, "/console/")
	require.Equal(t, http.StatusOK, p.status, p.body)

	assert.Equal(t, "4", p.one(t, "dash-open-total"))
	kinds := map[string]string{}
	for _, k := range p.all("dash-kind") {
		kinds[attrOf(k, "data-kind")] = textOf(k)
	}
	assert.Equal(t, map[string]string{
		"disputed": "Disputed 1", "identity_unknown": "Payment without a usable email 2", "amount_mismatch": "Amount differs from the plan 1",
	}, kinds)
	var atRisk []string
	for _, a := range p.all("dash-at-risk-amount") {
		atRisk = append(atRisk, textOf(a))
	}
	assert.Equal(t, []string{"$597.00 in 3 mismatches", "50.00 EUR in 1 mismatch"}, atRisk, "open ones only, by currency")
	assert.Equal(t, "Evidence is due in 4 days ("+time.Now().UTC().Add(74*time.Hour).Format("2 Jan 2006")+")",
		p.one(t, "dash-dispute-deadline"))

	bars := p.all("chart-bar")
	require.Len(t, bars, 60, "two bars a day for 30 days")
	titles := map[string]bool{}
	for _, bar := range bars {
		titles[textOf(bar)] = true
	}
	twoDaysAgo := today.Add(-48 * time.Hour).Format("2 Jan")
	yesterday := today.Add(-24 * time.Hour).Format("2 Jan")
	for _, want := range []string{twoDaysAgo + ": 3 orders paid", twoDaysAgo + ": 2 orders served", yesterday + ": 1 order served",
		today.Format("2 Jan") + ": 1 order paid", today.Format("2 Jan") + ": 0 orders served"} {
		assert.True(t, titles[want], "a bar titled %q", want)
	}
	assert.Equal(t, "In the last 30 days 4 orders were paid and 3 were served. On 2 days fewer were served than paid.", p.one(t, "chart-summary"))
	runs := p.all("dash-run")
	require.Len(t, runs, 1)
	assert.Contains(t, textOf(runs[0]), "#"+strconv.FormatInt(run, 10))
	assert.Contains(t, textOf(runs[0]), "Completed")
	assert.Empty(t, p.all("alert-banner"), "reconciliation is healthy")

	partial := b.get(t, "/console/", "HX-Request", "true")
	assert.NotContains(t, partial.body, "<html")
	assert.Len(t, partial.all("orders-chart"), 1)
	assert.Empty(t, partial.all("console-nav"), "htmx gets the content without the layout")
}

// TestConsoleBannerWhenReconciliationFails: a failed sweep raises the alert
// and every console page shows it.
func TestConsoleBannerWhenReconciliationFails(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	s.recon.alerter.Watches = []recon.Watch{{Kind: "sweep", Interval: time.Hour}}
	run, err := s.store.StartReconRun(ctx, "sweep", false, "")
	require.NoError(t, err)
	require.NoError(t, s.store.FinishReconRun(ctx, store.ReconRun{ID: run, Error: ptr("processor unavailable")}))
	require.NoError(t, s.recon.alerter.Check(ctx))

	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	for _, path := range []string{"/console/", "/console/mismatches"} {
		p := b.get(t, path)
		assert.Contains(t, p.one(t, "alert-banner"), "The last sweep run (#"+strconv.FormatInt(run, 10)+") failed: processor unavailable", path)
	}
}

// identityUnknown makes the seed's support case: a payment with no email,
// which the sweep queues as identity_unknown. It returns the mismatch id.
func identityUnknown(t *testing.T, s *testStack) (int64, payment) {
	t.Helper()
	s.recon.sweeper.Lookback = time.Hour
	s.recon.sweeper.Grace = 0
	p := s.orphan(t, "", 24900, map[string]string{})
	_, err := s.recon.sweeper.Run(context.Background(), recon.SweepOptions{})
	require.NoError(t, err)
	var id int64
	require.NoError(t, s.store.DB().Get(&id, `SELECT id FROM mismatches WHERE payment_intent_id = $1 AND kind = 'identity_unknown'`, p.PaymentIntent))
	return id, p
}

func TestConsoleMismatchPageShowsBothSides(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	id, pay := identityUnknown(t, s)
	_, err := s.store.DB().Exec(`INSERT INTO audit_log (actor, action, target) VALUES ('ana@example.test', 'mismatch.claimed', $1)`,
		staff.MismatchTarget(id))
	require.NoError(t, err)
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)

	before := time.Now().UTC().Truncate(time.Second)
	p := b.get(t, "/console/mismatches/"+strconv.FormatInt(id, 10))
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Contains(t, p.one(t, "mismatch-problem"), "carries no email we can use")
	assert.Contains(t, p.one(t, "our-order-none"), "No order in our database")

	assert.Equal(t, "succeeded", p.one(t, "processor-payment-status"))
	assert.Contains(t, p.one(t, "processor-payment"), pay.PaymentIntent)
	assert.Contains(t, p.one(t, "processor-charge"), pay.Charge)
	assert.Equal(t, "no", p.one(t, "processor-refunded"))
	fetched := p.one(t, "processor-fetched")
	require.Regexp(t, `fetched at \d\d:\d\d:\d\d UTC`, fetched)
	at, err := time.Parse("15:04:05", fetched[len("Asked live; fetched at "):len("Asked live; fetched at ")+8])
	require.NoError(t, err)
	// fetched during this page view: between before and now, by time of
	// day (a check on the minute alone fails when the view crosses one).
	after := time.Now().UTC()
	day := func(t time.Time) time.Duration {
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	}
	if day(after) >= day(before) { // not across midnight
		assert.True(t, day(at) >= day(before) && day(at) <= day(after), "fetched now: %s not in %s–%s", fetched, before.Format("15:04:05"), after.Format("15:04:05"))
	}

	evidence := p.facts(t, "mismatch-evidence")
	assert.Equal(t, pay.PaymentIntent, evidence["Payment intent"])
	assert.Equal(t, "$249.00", evidence["Amount"])
	assert.Equal(t, "—", evidence["Email"])
	items := p.all("timeline-item")
	require.Len(t, items, 2)
	assert.Contains(t, textOf(items[0]), "Reconciliation found this mismatch.")
	assert.Contains(t, textOf(items[1]), "ana@example.test: mismatch.claimed")

	var version int
	require.NoError(t, s.store.DB().Get(&version, `SELECT version FROM mismatches WHERE id = $1`, id))
	slot := p.all("mismatch-actions")
	require.Len(t, slot, 1)
	assert.Equal(t, strconv.Itoa(version), attrOf(slot[0], "data-version"), "the version is the row's version, which resolve compares")
	assert.Contains(t, p.body, "<!-- actions -->", "the region the action forms fill")
	for _, button := range []string{"action-claim", "action-link", "action-verify-provision", "action-refund", "action-dismiss", "action-note"} {
		assert.Len(t, p.all(button), 1, button)
	}

	partial := b.get(t, "/console/mismatches/"+strconv.FormatInt(id, 10), "HX-Request", "true")
	assert.NotContains(t, partial.body, "<html")
	assert.Len(t, partial.all("processor-side"), 1)

	missing := b.get(t, "/console/mismatches/999999")
	assert.Equal(t, http.StatusNotFound, missing.status)
	assert.Contains(t, missing.body, "There is no mismatch #999999.")
}

// TestConsoleMismatchPageWhenTheProcessorFails: the processor answering
// errors leaves our side on screen and says to try again, with a 200: the
// page itself worked.
func TestConsoleMismatchPageWhenTheProcessorFails(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	id, _ := identityUnknown(t, s)
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	s.simPost(t, "/_sim/faults", `{"api_error_rate": 1.0}`)

	start := time.Now()
	p := b.get(t, "/console/mismatches/"+strconv.FormatInt(id, 10))
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Less(t, time.Since(start), 5*time.Second, "the page does not wait on the processor for long")
	assert.Contains(t, p.one(t, "processor-unreachable"), "Couldn't reach the processor, try again.")
	assert.Equal(t, "/console/mismatches/"+strconv.FormatInt(id, 10), attrOf(p.all("processor-retry")[0], "href"))
	assert.Empty(t, p.all("processor-payment"))
	assert.Contains(t, p.one(t, "our-side"), "No order in our database")
	assert.Equal(t, "$249.00", p.facts(t, "mismatch-evidence")["Amount"], "the snapshot is still there")

	s.simPost(t, "/_sim/faults", `{"api_error_rate": 0}`)
	p = b.get(t, "/console/mismatches/"+strconv.FormatInt(id, 10))
	assert.Equal(t, "succeeded", p.one(t, "processor-payment-status"), "trying again works once the processor is back")
}

// TestConsoleSignInRefusesNULWithWords: what answered 500 (PostgreSQL
// refuses the byte) is a 422 that says what to do, and a wrong password is
// audited with the email typed and the client's address.
func TestConsoleSignInRefusesNULWithWords(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	anon := &staffBrowser{s: s, cookies: map[string]string{}}
	anon.get(t, "/console/login")

	p := anon.post(t, "/console/login", url.Values{"email": {"ana\x00@example.test"}, "password": {"x"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	assert.Contains(t, p.one(t, "error-message"), "We cannot accept the field “email”")

	p = anon.post(t, "/console/login", url.Values{"email": {"ana@example.test"}, "password": {"wrong password"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.status)
	audit, err := s.store.AuditEntries(context.Background(), 1)
	require.NoError(t, err)
	require.Len(t, audit, 1)
	assert.Equal(t, staff.ActionLoginFailed, audit[0].Action)
	assert.Equal(t, "ana@example.test", audit[0].Actor)
	assert.Equal(t, "0.0.0.0", audit[0].Details["ip"], "app.Test's client address")
}

func ptr[T any](v T) *T { return &v }
