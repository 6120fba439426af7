package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCustomerInvoices: every invoice of the customer's subscriptions, in
// order, each with its grant or none, and the payment_failed email sent
// for it; someone else's never.
func TestCustomerInvoices(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	db := s.DB()
	_, err := db.Exec(insertPlan)
	require.NoError(t, err)
	at := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	year := at.AddDate(1, 0, 0)
	for _, who := range []string{"Sue@example.test", "else@example.test"} {
		_, err = db.Exec(`WITH o AS (
				INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key)
				VALUES ('BK-' || $1, $1, 'p', 100, 'usd', 'k' || $1) RETURNING id),
			a AS (INSERT INTO accounts (email) VALUES ($1) RETURNING id)
			INSERT INTO subscriptions (id, order_id, account_id, email, plan_code, status)
			SELECT 'sub_' || $1, o.id, a.id, $1, 'p', 'past_due' FROM o, a`, who)
		require.NoError(t, err)
	}
	_, err = db.Exec(`INSERT INTO invoices (id, subscription_id, status, amount, currency, period_start, period_end, created_at)
		VALUES ('in_1', 'sub_Sue@example.test', 'paid', 100, 'usd', $1, $2, $1),
			('in_2', 'sub_Sue@example.test', 'open', 100, 'usd', $2, $2 + interval '1 year', $2),
			('in_x', 'sub_else@example.test', 'paid', 100, 'usd', $1, $2, $1)`, at, year)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO invoice_grants (invoice_id, subscription_id, account_id, plan_code, valid_until, granted_via)
		SELECT 'in_1', s.id, s.account_id, 'p', $1, 'webhook' FROM subscriptions s WHERE s.id = 'sub_Sue@example.test'`, year)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO email_messages (template, template_version, to_email, subject, html_body, text_body, dedupe_key, message_id)
		VALUES ('payment_failed', 0, 'Sue@example.test', 's', 'h', 't', 'invoice:in_2:payment_failed', 'm1')`)
	require.NoError(t, err)

	got, err := s.CustomerInvoices(ctx, "sue@EXAMPLE.test")
	require.NoError(t, err)
	require.Len(t, got, 2)
	paid, open := got[0], got[1]
	require.Equal(t, []string{"in_1", "in_2"}, []string{paid.ID, open.ID})
	require.Equal(t, "sub_Sue@example.test", paid.SubscriptionID)
	require.NotNil(t, paid.GrantedUntil)
	require.True(t, year.Equal(*paid.GrantedUntil))
	require.Equal(t, "webhook", paid.GrantedVia)
	require.Empty(t, paid.FailedEmail)
	require.True(t, at.Equal(*paid.PeriodStart))
	require.Nil(t, open.GrantedUntil, "the failed invoice granted nothing")
	require.Empty(t, open.GrantedVia)
	require.Equal(t, "queued", open.FailedEmail)

	none, err := s.CustomerInvoices(ctx, "nobody@example.test")
	require.NoError(t, err)
	require.Empty(t, none)
}

// TestSubscriptionPaidBy: a renewal's payment is its invoice's
// subscription's, a first purchase's is the subscription its order
// started, and a payment that paid for none is NotFound.
func TestSubscriptionPaidBy(t *testing.T) {
	t.Parallel()
	s, ctx := setup(t)
	db := s.DB()
	_, err := db.Exec(insertPlan)
	require.NoError(t, err)
	_, err = db.Exec(`WITH o AS (
			INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key, payment_intent_id)
			VALUES ('BK-1', 'a@example.test', 'p', 100, 'usd', 'k1', 'pi_first') RETURNING id),
		a AS (INSERT INTO accounts (email) VALUES ('a@example.test') RETURNING id)
		INSERT INTO subscriptions (id, order_id, account_id, email, plan_code, status)
		SELECT 'sub_a', o.id, a.id, 'a@example.test', 'p', 'active' FROM o, a`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO invoices (id, subscription_id, status, amount, currency, payment_intent_id, created_at)
		VALUES ('in_renewal', 'sub_a', 'paid', 100, 'usd', 'pi_renewal', now())`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, idempotency_key, payment_intent_id)
		VALUES ('BK-2', 'b@example.test', 'p', 100, 'usd', 'k2', 'pi_once')`)
	require.NoError(t, err)

	for pi, want := range map[string]string{"pi_first": "sub_a", "pi_renewal": "sub_a"} {
		got, err := s.SubscriptionPaidBy(ctx, pi)
		require.NoError(t, err, pi)
		require.Equal(t, want, got, pi)
	}
	for _, pi := range []string{"pi_once", "pi_unknown"} {
		got, err := s.SubscriptionPaidBy(ctx, pi)
		require.NoError(t, err, pi)
		require.Empty(t, got, pi)
	}
}
