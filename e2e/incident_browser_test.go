package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/e2e"
)

// TestIncidentBrowserPlanAndRun is an admin after an outage, in chromium
// against `backstop serve`: eight purchases were paid at the simulator
// with their webhooks dropped; the admin types the window on
// /console/incidents and plans it, and the plan's counts and amounts are
// those `backstop incident plan --json` gives for the same window. Run
// starts the jobs; the test holds row locks on some payments' incident
// rows so the run is caught part way, twice: the progress bar, refreshing
// itself, reads two different values while the status says running. Once
// the locks go the run ends at done and the page, reloading itself, shows
// every payment provisioned in its payments table.
func TestIncidentBrowserPlanAndRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1h", "RECON_SWEEP_INTERVAL=1h", "RECON_GRACE=2h"}
	from := time.Now().UTC().Add(-time.Second).Truncate(time.Second)
	w.startApp("")
	var sessions []string
	for i := range 8 {
		sessions = append(sessions, w.checkout(fmt.Sprintf("out%02d@example.test", i), formToken()))
	}
	// The outage: serve's catch-up and sweep have had their first look
	// (the next are an hour away) and every webhook is lost.
	w.eventually(30*time.Second, "the first catch-up and sweep runs finished", func() bool {
		return w.count(`SELECT count(DISTINCT kind) FROM recon_runs WHERE kind IN ('events', 'sweep') AND finished_at IS NOT NULL`) == 2
	})
	w.simFaults("drop")
	for _, s := range sessions {
		w.pay(s)
	}
	to := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
	require.Zero(t, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled'`))

	var plan struct {
		Payments int `json:"payments"`
		ByAction map[string]struct {
			Count  int   `json:"count"`
			Amount int64 `json:"amount"`
		} `json:"by_action"`
	}
	require.NoError(t, json.Unmarshal([]byte(w.backstop("incident", "plan", "--from", from.Format(time.RFC3339),
		"--to", to.Format(time.RFC3339), "--json")), &plan))
	require.Equal(t, 8, plan.ByAction["provision"].Count)
	password := w.staffLogin("ada@shop.test", "admin")

	ctx := e2e.Browser(t, 1100, 900, 90*time.Second)
	type shown struct {
		Action string `json:"action"`
		Count  string `json:"count"`
		Amount string `json:"amount"`
	}
	var rows []shown
	var location string
	require.NoError(t, chromedp.Run(ctx,
		w.signIn("ada@shop.test", password),
		chromedp.Navigate(w.appURL("/console/incidents")),
		chromedp.WaitVisible(`[data-testid="incident-from"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="incident-from"]`, from.Format(time.RFC3339), chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="incident-to"]`, to.Format(time.RFC3339), chromedp.ByQuery),
		press(`[data-testid="action-plan"]`),
		chromedp.WaitVisible(`[data-testid="incident-summary"][data-status="planned"]`, chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('[data-testid="incident-action"]')].map(r => ({action: r.dataset.action,
			count: r.querySelector('[data-testid="incident-count"]').textContent.trim(),
			amount: r.querySelector('[data-testid="incident-amount"]').textContent.trim()}))`, &rows),
		chromedp.Location(&location),
	), "plan the window")
	require.Len(t, rows, 4)
	for _, r := range rows {
		want := plan.ByAction[r.Action]
		require.Equal(t, strconv.Itoa(want.Count), r.Count, "the page and the CLI agree on %s", r.Action)
		require.Equal(t, billing.FormatMoney(want.Amount, "usd"), r.Amount, r.Action)
	}
	id, err := strconv.ParseInt(location[strings.LastIndex(location, "/")+1:], 10, 64)
	require.NoError(t, err, location)
	require.Zero(t, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled'`), "planning changes nothing")

	// Hold the run back: three payments until the first look, one more
	// until the second. Their jobs wait on the row lock; the rest finish.
	var pis []string
	require.NoError(t, w.db.Select(&pis, `SELECT payment_intent_id FROM incident_payments
		WHERE incident_id = $1 AND action = 'provision' ORDER BY payment_intent_id`, id))
	require.Len(t, pis, 8)
	late, last := w.db.MustBegin(), w.db.MustBegin()
	defer func() { _ = late.Rollback(); _ = last.Rollback() }()
	var held []string
	require.NoError(t, late.Select(&held, `SELECT payment_intent_id FROM incident_payments
		WHERE incident_id = $1 AND payment_intent_id = ANY($2) FOR UPDATE`, id, pis[:3]))
	require.NoError(t, last.Select(&held, `SELECT payment_intent_id FROM incident_payments
		WHERE incident_id = $1 AND payment_intent_id = $2 FOR UPDATE`, id, pis[3]))

	barAt := func(value int) chromedp.Action {
		js := fmt.Sprintf(`(() => { const s = document.querySelector('[data-testid="incident-summary"]');
			const b = document.querySelector('progress[data-testid="incident-progress"]');
			return !!s && !!b && s.dataset.status === "running" && b.value === %d; })()`, value)
		return chromedp.Poll(js, nil, chromedp.WithPollingTimeout(30*time.Second))
	}
	var first, second float64
	var status string
	readBar := func(out *float64) chromedp.Action {
		return chromedp.Tasks{
			chromedp.Evaluate(`document.querySelector('progress[data-testid="incident-progress"]').value`, out),
			chromedp.Text(`[data-testid="incident-status"]`, &status, chromedp.ByQuery),
		}
	}
	require.NoError(t, chromedp.Run(ctx,
		press(`[data-testid="action-incident-run"]`),
		chromedp.WaitVisible(`[data-testid="incident-summary"][data-status="running"]`, chromedp.ByQuery),
		barAt(4), readBar(&first),
	), "run: four payments done while four are held")
	require.Equal(t, "running", status)
	require.NoError(t, late.Commit())
	require.NoError(t, chromedp.Run(ctx, barAt(7), readBar(&second)), "three more done while one is held")
	require.Equal(t, "running", status)
	require.NotEqual(t, first, second, "the bar moved while the run went on")
	t.Logf("progress bar read %v then %v of 8 while running", first, second)
	require.NoError(t, last.Commit())

	// No reload by the test: the page reloads itself once the run ends
	// (a look made while it does is lost, and made again).
	var outcomes []string
	var apologies string
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := chromedp.Run(ctx,
			chromedp.WaitVisible(`[data-testid="incident-summary"][data-status="done"]`, chromedp.ByQuery),
			chromedp.Evaluate(`[...document.querySelectorAll('[data-testid="incident-outcome"]')].map(e => e.textContent.trim())`, &outcomes),
			chromedp.Text(`[data-testid="incident-apologies"]`, &apologies, chromedp.ByQuery))
		if err == nil && len(outcomes) > 0 && outcomes[0] != "—" {
			break
		}
		require.True(t, time.Now().Before(deadline), "the run ends at done with each payment's outcome: %v %v", err, outcomes)
		time.Sleep(200 * time.Millisecond)
	}
	require.Len(t, outcomes, 8)
	for _, o := range outcomes {
		require.Equal(t, "provisioned", o)
	}
	require.Equal(t, "8", apologies)
	require.Equal(t, 8, w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled' AND fulfilled_via = 'incident'`))
}
