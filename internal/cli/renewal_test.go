package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

const simYear = 365 * 24 * 3600

// boughtYearly buys the yearly subscription and serves it through the
// return page, returning the order and its subscription's id.
func (s *testStack) boughtYearly(t *testing.T, email, card string) (billing.Order, string) {
	t.Helper()
	order, payURL, err := s.billing.StartCheckout(context.Background(), billing.CheckoutForm{
		Email: email, PlanCode: demoPlan.Code, FormToken: "form-" + randHex(10),
	})
	require.NoError(t, err)
	session := payURL[len(payURL)-len("cs_test_")-58:]
	s.simPost(t, "/_sim/checkout/"+session+"/pay", `{"card":"`+card+`"}`)
	served, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)
	require.Equal(t, billing.StatusFulfilled, served.Status)
	var sub string
	require.NoError(t, s.store.DB().Get(&sub, `SELECT id FROM subscriptions WHERE order_id = $1`, order.ID))
	return order, sub
}

func (s *testStack) advanceSim(t *testing.T, seconds int64) map[string]any {
	t.Helper()
	var out map[string]any
	require.NoError(t, json.Unmarshal(s.simPost(t, "/_sim/clock/advance", `{"seconds":`+itoa64(seconds)+`}`), &out))
	return out
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }

// simSubscription is the processor's subscription, as JSON.
func (s *testStack) simSubscription(t *testing.T, id string) map[string]any {
	t.Helper()
	var out map[string]any
	s.simGet(t, "/v1/subscriptions/"+id, &out)
	return out
}

// TestRenewalIsGrantedOnceToTheNewPeriodEnd: a year after the purchase the
// renewal is paid; its invoice.paid, delivered twice and then replayed by
// event catch-up, grants the new period once, to the processor's period
// end, with one renewal_receipt. The purchase's first invoice is recorded
// as granted by the order.
func TestRenewalIsGrantedOnceToTheNewPeriodEnd(t *testing.T) {
	s := newTestStack(t)
	order, sub := s.boughtYearly(t, "renew@example.test", "4242424242424242")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants i JOIN entitlement_grants g ON g.order_id = $2
		JOIN orders o ON o.id = g.order_id
		WHERE i.subscription_id = $1 AND i.valid_until = g.valid_until AND i.account_id = o.account_id`, sub, order.ID),
		"the first invoice is granted by the order: its account, to its end")
	firstEnd := s.accessUntil(t, "renew@example.test")

	res := s.advanceSim(t, simYear+3600)
	require.EqualValues(t, 1, res["renewed"])
	body := s.event(t, billing.EventInvoicePaid)
	for range 2 {
		require.Equal(t, http.StatusOK, s.deliver(t, body))
	}
	_, err := s.catchUp.Run(context.Background())
	require.NoError(t, err)

	periodEnd := time.Unix(int64(s.simSubscription(t, sub)["current_period_end"].(float64)), 0)
	require.True(t, periodEnd.Equal(s.accessUntil(t, "renew@example.test")), "access runs to the new period's end")
	require.True(t, periodEnd.After(firstEnd))
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Len(t, s.emailMessages(t, "renew@example.test", "renewal_receipt"), 1)
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders`), "a renewal is no new order")
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND kind = 'renewed'`, order.ID))
}

// TestRenewalPaymentEventsServeNothing: the renewal's payment_intent.succeeded
// carries none of our metadata; handled alone (invoice.paid lost), it
// neither rebuilds a second order nor grants anything: the invoice does.
func TestRenewalPaymentEventsServeNothing(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "quiet@example.test", "4242424242424242")
	before := s.accessUntil(t, "quiet@example.test")
	s.advanceSim(t, simYear+3600)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventPaymentSucceeded)))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders`))
	require.True(t, before.Equal(s.accessUntil(t, "quiet@example.test")))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
}

// TestFailedRenewalKeepsAccessThroughTheGraceOnly: with the card that fails
// later, the renewal fails: past_due, one payment_failed with the invoice's
// link however often the event comes, and access to the period's end plus
// RENEWAL_GRACE; the subscription ended unpaid changes nothing (access ends
// at the grace, never before). Paid later with a new card, the period is
// granted.
func TestFailedRenewalKeepsAccessThroughTheGraceOnly(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "late@example.test", "4000000000000341")
	periodEnd := time.Unix(int64(s.simSubscription(t, sub)["current_period_end"].(float64)), 0)
	res := s.advanceSim(t, simYear+3600)
	require.EqualValues(t, 1, res["failed"])
	failed := s.event(t, billing.EventInvoicePaymentFailed)
	for range 2 {
		require.Equal(t, http.StatusOK, s.deliver(t, failed))
	}
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventSubscriptionUpdated)))
	var status string
	require.NoError(t, s.store.DB().Get(&status, `SELECT status FROM subscriptions WHERE id = $1`, sub))
	require.Equal(t, "past_due", status)
	mails := s.emailMessages(t, "late@example.test", "payment_failed")
	require.Len(t, mails, 1)
	var hosted string
	require.NoError(t, s.store.DB().Get(&hosted, `SELECT hosted_invoice_url FROM invoices WHERE subscription_id = $1 AND status = 'open'`, sub))
	require.NotEmpty(t, hosted)
	require.Contains(t, mails[0].TextBody, hosted)
	graceEnd := periodEnd.Add(billing.DefaultRenewalGrace)
	require.True(t, graceEnd.Equal(s.accessUntil(t, "late@example.test")), "access through the grace")

	// The retries fail; the processor ends the subscription unpaid.
	s.advanceSim(t, 10*24*3600)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventSubscriptionDeleted)))
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaymentFailed)))
	require.NoError(t, s.store.DB().Get(&status, `SELECT status FROM subscriptions WHERE id = $1`, sub))
	require.Equal(t, "canceled", status)
	require.True(t, graceEnd.Equal(s.accessUntil(t, "late@example.test")), "ended unpaid: access ends at the grace, not before")
	require.Len(t, s.emailMessages(t, "late@example.test", "payment_failed"), 1, "one email per failed invoice")
}

// TestFailedRenewalPaidBeforeTheGraceNeverLapses: the customer pays the
// open invoice with a new card within the grace: the period is granted to
// its end and the subscription is active again.
func TestFailedRenewalPaidBeforeTheGraceNeverLapses(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "fixed@example.test", "4000000000000341")
	s.advanceSim(t, simYear+3600)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaymentFailed)))
	var inv string
	require.NoError(t, s.store.DB().Get(&inv, `SELECT id FROM invoices WHERE subscription_id = $1 AND status = 'open'`, sub))
	s.advanceSim(t, 24*3600)
	s.simPost(t, "/_sim/invoices/"+inv+"/pay", `{"card":"4242424242424242"}`)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaid)))
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventSubscriptionUpdated)))
	processor := s.simSubscription(t, sub)
	require.Equal(t, "active", processor["status"])
	periodEnd := time.Unix(int64(processor["current_period_end"].(float64)), 0)
	require.True(t, periodEnd.Equal(s.accessUntil(t, "fixed@example.test")))
	require.Len(t, s.emailMessages(t, "fixed@example.test", "renewal_receipt"), 1)
	var status string
	require.NoError(t, s.store.DB().Get(&status, `SELECT status FROM subscriptions WHERE id = $1`, sub))
	require.Equal(t, "active", status)
}

// TestRenewalServedByAnotherPathIsAlreadyGranted: after the webhook granted
// the renewal, the same invoice reported by another path (staff, the
// sweep) is Already: no second period, no second email, no error.
func TestRenewalServedByAnotherPathIsAlreadyGranted(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "twice@example.test", "4242424242424242")
	s.advanceSim(t, simYear+3600)
	require.Equal(t, http.StatusOK, s.deliver(t, s.event(t, billing.EventInvoicePaid)))
	until := s.accessUntil(t, "twice@example.test")

	ctx := context.Background()
	proc := s.proc
	latest, err := proc.GetSubscription(ctx, sub)
	require.NoError(t, err)
	in, err := proc.GetInvoice(ctx, latest.LatestInvoiceID)
	require.NoError(t, err)
	out, err := s.billing.Fulfill(ctx, billing.FromInvoice(in, latest), billing.ViaStaff)
	require.NoError(t, err)
	require.True(t, out.Already)
	require.False(t, out.Fulfilled)
	require.True(t, until.Equal(s.accessUntil(t, "twice@example.test")))
	require.Len(t, s.emailMessages(t, "twice@example.test", "renewal_receipt"), 1)
}

// TestInvoiceGrantIsUniquePerInvoice is the last line of defence: a second
// grant row for one invoice is refused by the database.
func TestInvoiceGrantIsUniquePerInvoice(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "unique@example.test", "4242424242424242")
	var g struct {
		Invoice string `db:"invoice_id"`
		Account int64  `db:"account_id"`
	}
	require.NoError(t, s.store.DB().Get(&g, `SELECT invoice_id, account_id FROM invoice_grants WHERE subscription_id = $1`, sub))
	_, err := s.store.DB().Exec(`INSERT INTO invoice_grants (invoice_id, subscription_id, account_id, plan_code, valid_until, granted_via)
		VALUES ($1, $2, $3, $4, now(), 'staff')`, g.Invoice, sub, g.Account, demoPlan.Code)
	require.Error(t, err, "a second grant for one invoice")
}

// TestKeepingAccessNeverShortensIt: the grace of a failed invoice never
// ends access the customer already has for longer (a later paid period).
func TestKeepingAccessNeverShortensIt(t *testing.T) {
	s := newTestStack(t)
	s.boughtYearly(t, "keep@example.test", "4242424242424242")
	until := s.accessUntil(t, "keep@example.test")
	var account int64
	require.NoError(t, s.store.DB().Get(&account, `SELECT id FROM accounts WHERE email = 'keep@example.test'`))
	ctx := context.Background()
	var got time.Time
	require.NoError(t, s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		got, err = tx.KeepAccessUntil(ctx, account, demoPlan.Code, until.Add(-30*24*time.Hour))
		return err
	}))
	require.True(t, until.Equal(got))
	require.True(t, until.Equal(s.accessUntil(t, "keep@example.test")))
}

// TestForgedInvoicePaidGrantsNothing: a signed invoice.paid whose payload
// says paid, for an invoice the processor says is open, grants nothing:
// the processor is asked, the payload only names the invoice.
func TestForgedInvoicePaidGrantsNothing(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "forged@example.test", "4000000000000341")
	s.advanceSim(t, simYear+3600)
	failed := s.event(t, billing.EventInvoicePaymentFailed)
	require.Equal(t, http.StatusOK, s.deliver(t, failed))
	var ev map[string]any
	require.NoError(t, json.Unmarshal(failed, &ev))
	ev["id"], ev["type"] = "evt_forged"+randHex(8), billing.EventInvoicePaid
	obj := ev["data"].(map[string]any)["object"].(map[string]any)
	obj["paid"], obj["status"], obj["amount_paid"] = true, "paid", 24900
	body, err := json.Marshal(ev)
	require.NoError(t, err)
	before := s.accessUntil(t, "forged@example.test")
	require.Equal(t, http.StatusOK, s.deliver(t, body))
	require.True(t, before.Equal(s.accessUntil(t, "forged@example.test")))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Empty(t, s.emailMessages(t, "forged@example.test", "renewal_receipt"))
}

// TestSubscriptionsJSON is `backstop subscriptions --json` exactly as DESIGN
// section 12 has it, after a renewal: two invoices, both granted, access to
// the processor's period end.
func TestSubscriptionsJSON(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "Listed@Example.test", "4242424242424242")
	s.boughtYearly(t, "other@example.test", "4242424242424242")
	s.advanceSim(t, simYear+3600)
	_, err := s.catchUp.Run(context.Background())
	require.NoError(t, err)

	out, _, err := runInProcess(t, map[string]string{"DATABASE_URL": s.cfg.DatabaseURL}, "subscriptions", "--email", "listed@example.test", "--json")
	require.NoError(t, err)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 1)
	row := rows[0]
	keys := []string{}
	for k := range row {
		keys = append(keys, k)
	}
	require.ElementsMatch(t, []string{"id", "email", "plan", "status", "current_period_end", "access_until", "invoices"}, keys)
	require.Equal(t, sub, row["id"])
	require.Equal(t, "active", row["status"])
	require.Equal(t, demoPlan.Code, row["plan"])
	require.Equal(t, row["current_period_end"], row["access_until"])
	invoices := row["invoices"].([]any)
	require.Len(t, invoices, 2)
	for _, in := range invoices {
		line := in.(map[string]any)
		require.ElementsMatch(t, []string{"id", "status", "amount", "currency", "granted"}, keysOf(line))
		require.Equal(t, "paid", line["status"])
		require.EqualValues(t, 24900, line["amount"])
		require.Equal(t, true, line["granted"])
	}
}

func keysOf(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRenewalWithItsWebhooksLostIsGrantedByCatchUp: no webhook arrives for
// the renewal; event catch-up alone grants the period once, with one
// renewal_receipt, and a second run changes nothing.
func TestRenewalWithItsWebhooksLostIsGrantedByCatchUp(t *testing.T) {
	s := newTestStack(t)
	_, sub := s.boughtYearly(t, "dropped@example.test", "4242424242424242")
	s.advanceSim(t, simYear+3600)
	for range 2 {
		_, err := s.catchUp.Run(context.Background())
		require.NoError(t, err)
	}
	periodEnd := time.Unix(int64(s.simSubscription(t, sub)["current_period_end"].(float64)), 0)
	require.True(t, periodEnd.Equal(s.accessUntil(t, "dropped@example.test")))
	require.Equal(t, 2, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1`, sub))
	require.Equal(t, 1, s.count(t, `SELECT count(*) FROM invoice_grants WHERE subscription_id = $1 AND granted_via = 'event_catchup'`, sub))
	require.Len(t, s.emailMessages(t, "dropped@example.test", "renewal_receipt"), 1)
}
