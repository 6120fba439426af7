package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// orderScenario is one customer's story at the processor. Each step runs
// while the simulator holds every webhook back, so the deliveries of the
// whole story can then be released in any order.
type orderScenario struct {
	name string
	run  func(w *world, email string)
}

// payServed pays a checkout and comes back to the return page, which
// serves the order before any webhook: the customer was served before
// anything that follows happened at the processor, in every delivery order.
func payServed(w *world, email string) string {
	ret := w.pay(w.checkout(email, formToken()))
	resp, err := w.noRedirect.Get(ret)
	require.NoError(w.t, err)
	resp.Body.Close()
	require.Equal(w.t, http.StatusOK, resp.StatusCode)
	return w.chargeOf(email)
}

// chargeOf is the customer's charge: by receipt_email, or, for a
// subscription's invoice (which Stripe charges with no receipt address),
// by billing_details.email.
func (w *world) chargeOf(email string) string {
	for _, ch := range w.simList("charges") {
		billing, _ := ch["billing_details"].(map[string]any)
		if ch["receipt_email"] == email || (billing != nil && billing["email"] == email) {
			return ch["id"].(string)
		}
	}
	w.t.Fatalf("no charge for %s", email)
	return ""
}

func (w *world) disputeCharge(charge string) string {
	var out struct{ Dispute string }
	w.simJSON(http.MethodPost, "/_sim/charges/"+charge+"/dispute", map[string]string{}, &out)
	return out.Dispute
}

var orderScenarios = []orderScenario{
	{"pay", func(w *world, email string) { w.pay(w.checkout(email, formToken())) }},
	{"pay then refund", func(w *world, email string) {
		w.simJSON(http.MethodPost, "/_sim/charges/"+payServed(w, email)+"/refund", map[string]string{}, nil)
	}},
	{"pay then dispute", func(w *world, email string) { w.disputeCharge(payServed(w, email)) }},
	{"dispute then close won", func(w *world, email string) {
		dp := w.disputeCharge(payServed(w, email))
		w.simJSON(http.MethodPost, "/_sim/disputes/"+dp+"/close", map[string]string{"status": "won"}, nil)
	}},
}

// TestEventsInAnyOrder runs every scenario against the real binary three
// times: with the webhooks delivered in the order they were made, newest
// first, and newest first with each delivered twice. The final state of
// each scenario (the order's status and how it was served, grants, emails
// sent, mismatches) is the same every time, and a sweep afterwards updates
// the webhook's mismatches without opening new ones.
func TestEventsInAnyOrder(t *testing.T) {
	t.Parallel()
	deliveries := []struct{ name, held, first string }{
		{"in order", "delay:1h", "charge.succeeded"},
		{"reordered", "delay:1h+reorder", "charge.dispute.closed"},
		{"reordered and duplicated", "delay:1h+duplicate+reorder", "charge.dispute.closed"},
	}
	var want map[string]string
	for _, d := range deliveries {
		got := runScenarios(t, d.held, d.first)
		if want == nil {
			want = got
			t.Logf("final state in order:\n%s", strings.Join(sortedValues(want), "\n"))
			continue
		}
		for name, state := range want {
			require.Equal(t, state, got[name], "%s: %q ends differently", d.name, name)
		}
	}
	require.Contains(t, want["pay then dispute"], "disputed/open")
	require.Contains(t, want["dispute then close won"], "disputed/resolved")
	require.Contains(t, want["pay then refund"], "refunded_active/open")
}

// runScenarios plays every scenario in a world of its own with webhooks
// held, releases them all at once and returns each scenario's final state.
func runScenarios(t *testing.T, held, first string) map[string]string {
	w := newWorld(t)
	// The periodic catch-up and sweep would repair in creation order what
	// the held webhooks are to deliver: let their start-up runs pass, and
	// none other.
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1h", "RECON_SWEEP_INTERVAL=1h"}
	w.startApp("")
	w.eventually(60*time.Second, "start-up catch-up and sweep finished", func() bool {
		return w.count(`SELECT count(DISTINCT kind) FROM recon_runs WHERE finished_at IS NOT NULL`) == 2
	})
	w.simFaults(held)
	emails := map[string]string{}
	for _, sc := range orderScenarios {
		emails[sc.name] = strings.ReplaceAll(sc.name, " ", "-") + "-" + randHex(4) + "@example.test"
		sc.run(w, emails[sc.name])
	}
	var stats struct {
		Webhooks struct{ Delivered, Pending int } `json:"webhooks"`
	}
	w.simJSON(http.MethodGet, "/_sim/stats", nil, &stats)
	require.Zero(t, stats.Webhooks.Delivered, "webhooks were held")
	require.Positive(t, stats.Webhooks.Pending)

	w.retryWebhooks()
	w.eventually(60*time.Second, "every delivery accepted and every event processed", func() bool {
		w.simJSON(http.MethodGet, "/_sim/stats", nil, &stats)
		return stats.Webhooks.Pending == 0 && w.count(`SELECT count(*) FROM processor_events WHERE processed_at IS NULL`) == 0
	})
	var types []string
	require.NoError(t, w.db.Select(&types, `SELECT type FROM processor_events ORDER BY received_at, id`))
	require.Equal(t, first, types[0], "the first event the app received")
	w.eventually(60*time.Second, "every email sent", func() bool {
		return w.count(`SELECT count(*) FROM email_messages WHERE status <> 'sent'`) == 0
	})

	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.backstop("reconcile", "--json")), &res))
	require.EqualValues(t, 0, res["mismatches_opened"], "the sweep opened what the webhooks had already opened")
	require.EqualValues(t, 0, res["healed"])

	out := map[string]string{}
	for name, email := range emails {
		out[name] = w.finalState(email)
	}
	return out
}

// finalState is what one customer's story left: order, grant, emails and
// mismatches, in words that do not depend on ids or times.
func (w *world) finalState(email string) string {
	var orders []string
	require.NoError(w.t, w.db.Select(&orders, `
		SELECT o.status || ' via ' || COALESCE(o.fulfilled_via, '-') || ', grants '
			|| (SELECT count(*) FROM entitlement_grants g WHERE g.order_id = o.id)
		FROM orders o WHERE o.email = $1 ORDER BY o.id`, email))
	var emails []string
	require.NoError(w.t, w.db.Select(&emails, `SELECT template || ' ' || status FROM email_messages WHERE to_email = $1 ORDER BY template`, email))
	var mismatches []string
	require.NoError(w.t, w.db.Select(&mismatches, `
		SELECT kind || '/' || status || CASE WHEN urgent THEN ' urgent' ELSE '' END
			|| CASE WHEN resolution LIKE '%won%' THEN ' (won)' ELSE '' END
		FROM mismatches m WHERE m.email = $1 OR m.order_id IN (SELECT id FROM orders WHERE email = $1)
		ORDER BY kind, status`, email))
	return fmt.Sprintf("orders %v; emails %v (mailbox %d); mismatches %v",
		orders, emails, len(w.mail.MessagesTo(w.t, email)), mismatches)
}

func sortedValues(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}
