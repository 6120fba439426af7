package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/e2e"
)

// TestConsoleCustomerPageOnAPhone: the customer page of the busiest kind of
// customer, read by a support person on a phone (390×844) between two
// emails. The customer bought the yearly plan twice within seconds (two
// subscriptions; the sweep flags one payment as a duplicate of the other),
// then disputed the other's charge; a year later one renewal went through and the
// other failed. The page shows both subscriptions with their invoices,
// both open mismatches with their actions, and the timeline, and nothing
// on it scrolls sideways, not even the invoices' table.
func TestConsoleCustomerPageOnAPhone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.extraEnv = []string{"RECON_GRACE=1ms"} // the least it takes: 0 is refused
	w.startApp("")
	email := "twice-" + randHex(4) + "@example.test"
	w.buyYearly(email)
	w.pay(w.checkout(email, formToken()))
	w.eventually(30*time.Second, "the second purchase served", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled'`, email) == 2
	})
	time.Sleep(1100 * time.Millisecond) // older than the grace, at the processor's one-second resolution
	w.backstop("reconcile")
	require.Equal(t, 1, w.count(`SELECT count(*) FROM mismatches WHERE email = $1 AND kind = 'duplicate_payment' AND status = 'open'`, email))

	// The payment the duplicate repeats is disputed: a dispute of the
	// duplicate itself would take the duplicate's place in the queue.
	var first struct{ Charge, Subscription string }
	require.NoError(t, w.db.Get(&first, `SELECT o.charge_id AS charge, s.id AS subscription FROM orders o
		JOIN subscriptions s ON s.order_id = o.id WHERE o.email = $1 AND o.payment_intent_id NOT IN
			(SELECT payment_intent_id FROM mismatches WHERE kind = 'duplicate_payment')`, email))
	w.simJSON("POST", "/_sim/charges/"+first.Charge+"/dispute", nil, nil)
	w.eventually(30*time.Second, "the dispute opened", func() bool {
		return w.count(`SELECT count(*) FROM mismatches WHERE email = $1 AND kind = 'disputed' AND status = 'open'`, email) == 1
	})
	w.simJSON("POST", "/_sim/subscriptions/"+first.Subscription+"/card", map[string]any{"card": "4000000000000341"}, nil)
	w.simJSON("POST", "/_sim/clock/advance", map[string]any{"seconds": simYear + 3600}, nil)
	w.eventually(30*time.Second, "one renewal failed, the other granted", func() bool {
		return w.count(`SELECT count(*) FROM subscriptions WHERE email = $1 AND status = 'past_due'`, email) == 1 &&
			w.count(`SELECT count(*) FROM invoice_grants g JOIN subscriptions s ON s.id = g.subscription_id WHERE s.email = $1`, email) == 3
	})

	password := w.staffLogin("ana@shop.test", "support")
	ctx := e2e.Browser(t, 390, 844, 3*time.Minute)
	var subs, invoices, mismatches, actionForms int
	var fits, invoicesFit bool
	var renewal string
	var wide []string
	var png []byte
	require.NoError(t, chromedp.Run(ctx,
		w.signIn("ana@shop.test", password),
		chromedp.WaitVisible(`#console-q`, chromedp.ByQuery),
		chromedp.Navigate(w.appURL("/console/customers/"+url.PathEscape(email))),
		chromedp.WaitVisible(`[data-testid="customer"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="customer-subscription"]').length`, &subs),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="subscription-invoice"]').length`, &invoices),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="customer-mismatch"]').length`, &mismatches),
		chromedp.Evaluate(`document.querySelectorAll('[data-testid="customer-mismatch"] form').length`, &actionForms),
		chromedp.Text(`[data-testid="customer-mismatch"] [data-testid="refund-renewal"]`, &renewal, chromedp.ByQuery),
		chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits),
		chromedp.Evaluate(`[...document.querySelectorAll('[data-testid="subscription-invoices"]')].every(t => t.parentElement.scrollWidth <= t.parentElement.clientWidth)`, &invoicesFit),
		// What sticks out, to say so when it fails: elements whose right edge
		// passes the viewport's and that no scrolling box of theirs clips.
		chromedp.Evaluate(`[...document.querySelectorAll('body *')].filter(e => {
			if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
			for (let p = e.parentElement; p; p = p.parentElement) {
				if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
			}
			return true;
		}).map(e => e.tagName.toLowerCase() + (e.dataset.testid ? '[' + e.dataset.testid + ']' : '') + (e.className ? '.' + e.className : '')).slice(0, 10)`, &wide),
		chromedp.FullScreenshot(&png, 100),
	), "the customer page on a phone")
	e2e.SaveScreenshot(t, "console-customer-phone.png", png)
	assert.Equal(t, 2, subs, "both subscriptions")
	assert.Equal(t, 4, invoices, "each subscription's first invoice and its renewal")
	var kinds []string
	require.NoError(t, w.db.Select(&kinds, `SELECT kind || ' ' || status FROM mismatches WHERE email = $1 ORDER BY id`, email))
	assert.Equal(t, 2, mismatches, "the duplicate and the dispute: %v", kinds)
	assert.Positive(t, actionForms, "the mismatches' actions are on the page")
	var extraSub string
	require.NoError(t, w.db.Get(&extraSub, `SELECT s.id FROM subscriptions s JOIN orders o ON o.id = s.order_id
		WHERE o.payment_intent_id = (SELECT payment_intent_id FROM mismatches WHERE kind = 'duplicate_payment')`))
	assert.Contains(t, renewal, "This payment paid for subscription "+extraSub+". A full refund for a duplicate",
		"the duplicate's refund says it stops the extra subscription renewing")
	assert.True(t, fits, "nothing scrolls sideways at 390px; sticking out: %s", strings.Join(wide, ", "))
	assert.True(t, invoicesFit, "each invoice reads as one block, not a table to scroll sideways")
}
