package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestConsoleBrowserActions is the console's buttons in Debian's chromium
// against `backstop serve`, the simulator and Mailpit as processes, with
// two staff logins in two windows (their own cookies). The payments are
// what the sweep leaves for a person: three with no usable email
// (identity_unknown) and a customer charged twice, both served (the second
// a duplicate_payment). It starts with the seed's support case, timed from
// sign-in, then the other actions and their refusals, then two people
// clicking Verify & provision on one mismatch at once.
func TestConsoleBrowserActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_GRACE=1ms"} // the least it takes: 0 is refused
	seed, refunded, raced := w.orphan("", nil), w.orphan("", nil), w.orphan("", nil)
	w.orphan("twice@example.test", map[string]string{"plan": "pro-yearly"})
	w.orphan("twice@example.test", map[string]string{"plan": "pro-yearly"})
	// Older than the grace, at the processor's one-second resolution.
	time.Sleep(1100 * time.Millisecond)
	w.backstop("reconcile") // serves both payments with an email and a plan: two years
	w.backstop("reconcile") // and now finds the second a duplicate of the first
	alicePassword := w.staffLogin("alice@shop.test", "support")
	bobPassword := w.staffLogin("bob@shop.test", "support")
	w.startApp("")

	alice := e2e.Browser(t, 1280, 1000, 2*time.Minute)
	aliceStatus := watch(t, alice)
	start := time.Now()
	require.NoError(t, chromedp.Run(alice, w.signIn("alice@shop.test", alicePassword)), "alice signs in")

	t.Run("the seed's support case in at most three clicks", func(t *testing.T) {
		row := fmt.Sprintf(`[data-testid="mismatch-row"][data-id="%d"]`, w.mismatchOf(seed.PaymentIntent))
		require.NoError(t, chromedp.Run(alice,
			chromedp.Click(`[data-testid="console-nav"] a[href="/console/mismatches"]`, chromedp.ByQuery),
			chromedp.WaitVisible(row, chromedp.ByQuery),
			htmxReady(row+` [data-testid="mismatch-link"]`),
		), "the queue lists the payment nobody could be served for")
		clicks := 0
		click := func(sel string) chromedp.Action { clicks++; return press(sel) }
		link := `form[data-action="link"]`
		var flash string
		require.NoError(t, chromedp.Run(alice,
			click(row+` [data-testid="mismatch-link"]`),
			chromedp.WaitVisible(link, chromedp.ByQuery),
			htmxReady(link),
			chromedp.SendKeys(link+` input[name="email"]`, "kim@example.test", chromedp.ByQuery),
			click(`[data-testid="action-link"]`),
			waitText("linked-email", "kim@example.test", nil),
			htmxReady(`form[data-action="verify-provision"]`),
			click(`[data-testid="action-verify-provision"]`),
			waitText("flash", "Provisioned: kim@example.test now has Pro (yearly) until ", &flash),
		), "link the account, then verify and provision")
		w.waitMail(t, "kim@example.test", "About your order ", 1)
		elapsed := time.Since(start)
		t.Logf("seed case: %d clicks after the queue loaded; %s from sign-in to the customer's email in Mailpit", clicks, elapsed.Round(time.Millisecond))
		assert.LessOrEqual(t, clicks, 3)
		assert.Regexp(t, `; we emailed them\.$`, flash)
	})

	t.Run("verify and provision refuses a payment refunded since detection; dismiss needs a reason", func(t *testing.T) {
		id := w.mismatchOf(refunded.PaymentIntent)
		var refusal, flash string
		require.NoError(t, chromedp.Run(alice, w.open(id)))
		w.simJSON("POST", "/_sim/charges/"+refunded.Charge+"/refund", map[string]any{}, nil)
		require.NoError(t, chromedp.Run(alice,
			press(`[data-testid="action-verify-provision"]`),
			waitText("action-refusal", "refunded in full", &refusal),
		))
		assert.Equal(t, "The processor says this payment was refunded in full: there is nothing to provision.", refusal)
		assert.Equal(t, int64(422), aliceStatus.last(fmt.Sprintf("/console/mismatches/%d/verify-provision", id)))

		require.NoError(t, chromedp.Run(alice,
			press(`[data-testid="action-dismiss"]`),
			waitText("action-refusal", "Say why", &refusal),
		))
		assert.Equal(t, "Say why you are dismissing this: the reason stays on the record.", refusal)
		assert.Equal(t, int64(422), aliceStatus.last(fmt.Sprintf("/console/mismatches/%d/dismiss", id)))
		require.NoError(t, chromedp.Run(alice,
			chromedp.SendKeys(`form[data-action="dismiss"] input[name="reason"]`, "refunded at the processor before we could serve it", chromedp.ByQuery),
			press(`[data-testid="action-dismiss"]`),
			waitText("flash", "Dismissed: ", &flash),
			chromedp.WaitVisible(`[data-testid="actions-closed"]`, chromedp.ByQuery),
		))
		assert.Equal(t, "Dismissed: refunded at the processor before we could serve it", flash)
		assert.Equal(t, 1, w.count(`SELECT count(*) FROM mismatches WHERE id = $1 AND status = 'dismissed'`, id))
	})

	// A second chromium, its own profile and cookies: this chromium refuses
	// to open a tab in a second browser context ("no browser is open").
	bob := e2e.Browser(t, 1280, 1000, 2*time.Minute)
	bobStatus := watch(t, bob)
	require.NoError(t, chromedp.Run(bob, w.signIn("bob@shop.test", bobPassword)), "bob signs in, in his own window")
	var dup int64 // the later payment, or by id within one second
	require.NoError(t, w.db.Get(&dup, `SELECT id FROM mismatches WHERE kind = 'duplicate_payment' AND status = 'open'`))

	t.Run("a claim is seen by the other person", func(t *testing.T) {
		var status, claimed string
		var png []byte
		require.NoError(t, chromedp.Run(alice, w.open(dup),
			press(`[data-testid="action-claim"]`),
			waitText("claim-status", "You are on this.", &status),
			chromedp.FullScreenshot(&png, 100),
		))
		e2e.SaveScreenshot(t, "console-mismatch-claimed.png", png)
		require.NoError(t, chromedp.Run(bob, w.open(dup),
			chromedp.Text(`[data-testid="mismatch-claimed"]`, &claimed, chromedp.ByQuery),
			chromedp.WaitVisible(`[data-testid="action-take-over"]`, chromedp.ByQuery),
		))
		assert.Equal(t, "alice@shop.test is on this", claimed)
	})

	t.Run("refunding a duplicate's extra withdraws the period it granted", func(t *testing.T) {
		before := w.accessUntil("twice@example.test")
		require.WithinDuration(t, time.Now().AddDate(2, 0, 0), before, time.Hour, "two years, one of them paid twice")
		asked := acceptDialogs(alice)
		var confirm, flash string
		require.NoError(t, chromedp.Run(alice,
			chromedp.Text(`[data-testid="refund-confirm"]`, &confirm, chromedp.ByQuery),
			press(`[data-testid="action-refund"]`),
			waitText("flash", "Refunded ", &flash),
		))
		assert.Equal(t, "This refunds all that is left, $249.00, to the customer's card, and withdraws the period this payment granted: "+
			"the customer's access ends that much sooner.", confirm)
		assert.Equal(t, []string{confirm + " Send the refund?"}, asked.all(), "the browser asked first, with the same words")
		after := w.accessUntil("twice@example.test")
		assert.WithinDuration(t, time.Now().AddDate(1, 0, 0), after, time.Hour, "back to the one year paid for")
		assert.Equal(t, "Refunded $249.00; the period it granted is withdrawn, so twice@example.test's access now ends "+
			after.UTC().Format("2 January 2006")+"; we emailed twice@example.test.", flash)
		w.waitMail(t, "twice@example.test", "Your refund of $249.00 is on its way", 1)
	})

	t.Run("two people verifying at once give one effect", func(t *testing.T) {
		id := w.mismatchOf(raced.PaymentIntent)
		require.NoError(t, chromedp.Run(alice, w.open(id),
			chromedp.SendKeys(`form[data-action="link"] input[name="email"]`, "lee@example.test", chromedp.ByQuery),
			press(`[data-testid="action-link"]`),
			waitText("linked-email", "lee@example.test", nil),
		))
		require.NoError(t, chromedp.Run(bob, w.open(id), waitText("linked-email", "lee@example.test", nil)))

		var wg sync.WaitGroup
		errs := make([]error, 2)
		ready := make(chan struct{})
		for i, ctx := range []context.Context{alice, bob} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				errs[i] = chromedp.Run(ctx, press(`[data-testid="action-verify-provision"]`))
			}()
		}
		close(ready)
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])

		path := fmt.Sprintf("/console/mismatches/%d/verify-provision", id)
		outcomes := map[int64]string{}
		for _, d := range []struct {
			ctx    context.Context
			status *statuses
		}{{alice, aliceStatus}, {bob, bobStatus}} {
			var words string
			require.NoError(t, chromedp.Run(d.ctx, chromedp.Poll(`(() => { const f = document.querySelector('[data-testid="flash"]');
				return !!f && /^(Provisioned: |.+ already provisioned this at )/.test(f.textContent); })()`, nil,
				chromedp.WithPollingTimeout(15*time.Second)),
				chromedp.Text(`[data-testid="flash"]`, &words, chromedp.ByQuery)))
			outcomes[d.status.last(path)] = words
		}
		require.Len(t, outcomes, 2, "one provisioned, one told: %v", outcomes)
		assert.Regexp(t, `^Provisioned: lee@example.test now has Pro \(yearly\) until `, outcomes[200])
		assert.Regexp(t, `^(Alice|Bob) already provisioned this at \d\d:\d\d UTC\.$`, outcomes[409], "the second is told who did it")
		assert.Equal(t, 1, w.count(`SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND status = 'fulfilled' AND fulfilled_via = 'staff'`,
			raced.PaymentIntent), "one fulfilment")
		assert.Equal(t, 1, w.count(`SELECT count(*) FROM audit_log WHERE action = 'mismatch.verify_provision' AND target = $1`,
			fmt.Sprintf("mismatch:%d", id)), "one audit row")
		assert.Equal(t, 1, w.count(`SELECT count(*) FROM email_messages WHERE to_email = 'lee@example.test' AND template = 'support_resolution'`))
		w.waitMail(t, "lee@example.test", "About your order ", 1)
	})
}
