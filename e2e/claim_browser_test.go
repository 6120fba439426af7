package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestBrowserClaimMyPurchase is the seed's customer with nothing but a
// charge on their statement: no reference, no email. They tell /claim
// the email they paid with, the amount and the day, and the account is
// ready on the spot; the access email reaches Mailpit; a second claim
// says it is already served and sends the email again.
//
// The scenario is one nothing else could have healed before the claim:
// the payment was made outside our checkout (an orphan: no order, no
// email in its metadata, only the charge's receipt_email), its webhooks
// were lost (dropped by the simulator), the event catch-up has already
// run at start and runs next in an hour, and the sweep leaves it alone
// because it is younger than RECON_GRACE (2 minutes, the webhook's turn)
// and runs next in an hour too. `backstop reconcile` is run to show it:
// it heals nothing. The sweep could heal this payment later (the receipt
// email and the one plan of its amount are enough), so the test is of the
// customer who comes first, which is the whole point of the claim.
// (The other scenario the brief offered, an ambiguous plan, cannot be
// served by a claim either: a claim serves through the same Fulfill.)
func TestBrowserClaimMyPurchase(t *testing.T) {
	t.Parallel()
	ctx := e2e.Browser(t, 390, 844, 3*time.Minute)
	w := newWorld(t)
	w.extraEnv = []string{"RECON_EVENTS_INTERVAL=1h", "RECON_SWEEP_INTERVAL=1h"}
	w.startApp("")
	w.simFaults("drop")
	w.eventually(30*time.Second, "the start-up catch-up and sweep have run", func() bool {
		return w.count(`SELECT count(*) FROM recon_runs WHERE finished_at IS NOT NULL AND kind = 'events'`) > 0 &&
			w.count(`SELECT count(*) FROM recon_runs WHERE finished_at IS NOT NULL AND kind = 'sweep'`) > 0
	})
	email := "seed-" + randHex(4) + "@example.test"
	var paid struct {
		PaymentIntent string `json:"payment_intent"`
	}
	w.simJSON("POST", "/_sim/payments", map[string]any{"receipt_email": email, "amount": 24900, "currency": "usd"}, &paid)

	var run struct {
		Healed int `json:"healed"`
	}
	require.NoError(t, json.Unmarshal([]byte(w.backstop("reconcile", "--json")), &run))
	require.Zero(t, run.Healed, "the sweep leaves a payment this young to its webhook")
	require.Zero(t, w.count(`SELECT count(*) FROM orders WHERE payment_intent_id = $1`, paid.PaymentIntent), "nothing served it")

	title, sentTo := w.claim(ctx, email, "claim-served")
	assert.Equal(t, "Your account is ready", title)
	assert.Equal(t, email, sentTo)
	var via string
	require.NoError(t, w.db.Get(&via, `SELECT fulfilled_via FROM orders WHERE payment_intent_id = $1`, paid.PaymentIntent))
	assert.Equal(t, "claim", via)
	w.eventually(60*time.Second, "the access email in Mailpit", func() bool { return len(w.mail.MessagesTo(t, email)) == 1 })
	access := w.mail.MessagesTo(t, email)[0]
	assert.True(t, strings.HasPrefix(access.Subject, "Sorry for the wait: your Pro (yearly) access is ready"), access.Subject)

	title, sentTo = w.claim(ctx, email, "claim-already")
	assert.Equal(t, "You already have access", title)
	assert.Equal(t, email, sentTo)
	w.eventually(60*time.Second, "the access email again in Mailpit", func() bool { return len(w.mail.MessagesTo(t, email)) == 2 })
	again := w.mail.MessagesTo(t, email)[0] // newest first
	assert.Equal(t, access.Subject, again.Subject, "the same email")
	assert.NotEqual(t, access.MessageID, again.MessageID, "sent again, not a duplicate delivery")
	assert.Equal(t, 1, w.count(`SELECT count(*) FROM orders`), "one order, served once")
	assert.Equal(t, 1, w.count(`SELECT count(*) FROM entitlement_grants`))
}

// claim fills in /claim as the customer would (email, "249", today) and
// returns the outcome's title and the address the page says it emailed.
func (w *world) claim(ctx context.Context, email, outcome string) (title, sentTo string) {
	w.t.Helper()
	var form, png []byte
	require.NoError(w.t, chromedp.Run(ctx,
		chromedp.Navigate(w.appURL("/claim")),
		chromedp.WaitVisible(`[data-testid="claim-email"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="claim-email"]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="claim-amount"]`, "249", chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="claim-date"]`, time.Now().UTC().Format(time.DateOnly), chromedp.ByQuery),
		chromedp.FullScreenshot(&form, 100),
		chromedp.Click(`[data-testid="claim-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="`+outcome+`"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="claim-title"]`, &title, chromedp.ByQuery),
		chromedp.Text(`[data-testid="claim-sent-to"]`, &sentTo, chromedp.ByQuery),
		chromedp.FullScreenshot(&png, 100),
	), "claim on /claim, expecting %s", outcome)
	e2e.SaveScreenshot(w.t, "claim-form.png", form)
	if outcome == "claim-served" {
		e2e.SaveDocScreenshot(w.t, "claim.png", png)
	} else {
		e2e.SaveScreenshot(w.t, outcome+".png", png)
	}
	return title, sentTo
}
