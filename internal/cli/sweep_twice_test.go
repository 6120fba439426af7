package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/recon"
)

// sweepWorld is one scenario of DESIGN section 6, built with webhooks
// dropped (the test stack has no webhook URL), and what its first sweep
// must have done.
type sweepWorld struct {
	name  string
	build func(t *testing.T, s *testStack)
	first func(t *testing.T, s *testStack, res recon.Result)
}

// sweepWorlds are the scenarios of TestSweepClassifiesEveryKind one by
// one, the duplicate cases among them.
var sweepWorlds = []sweepWorld{
	{"orphan with its plan in metadata", func(t *testing.T, s *testStack) {
		s.orphan(t, "meta@example.test", 24900, map[string]string{"plan": demoPlan.Code})
	}, healedOnce("meta@example.test")},
	{"orphan whose amount names the plan", func(t *testing.T, s *testStack) {
		s.orphan(t, "bare@example.test", 24900, nil)
	}, healedOnce("bare@example.test")},
	{"orphan of an amount no plan costs", func(t *testing.T, s *testStack) {
		s.orphan(t, "noplan@example.test", 1234, nil)
	}, nil},
	{"identity unknown", func(t *testing.T, s *testStack) {
		s.orphan(t, "", 24900, nil)
	}, nil},
	{"stuck pending", func(t *testing.T, s *testStack) {
		s.checkout(t, "stuck@example.test", true)
	}, healedOnce("stuck@example.test")},
	{"duplicate of one order", func(t *testing.T, s *testStack) {
		o, _ := s.served(t, "twice@example.test")
		s.orphan(t, "twice@example.test", 24900, map[string]string{
			"order_id": fmt.Sprint(o.ID), "public_ref": o.PublicRef, "plan": demoPlan.Code})
	}, duplicates(1, 1)},
	{"paid twice outside our checkout", func(t *testing.T, s *testStack) {
		s.orphan(t, "outside@example.test", 24900, map[string]string{"plan": demoPlan.Code})
		s.minuteLater(t)
		s.orphan(t, "outside@example.test", 24900, map[string]string{"plan": demoPlan.Code})
	}, func(t *testing.T, s *testStack, res recon.Result) {
		healedOnce("outside@example.test")(t, s, res)
		duplicates(1, 1)(t, s, res)
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches m JOIN orders o
			ON o.payment_intent_id = m.evidence->'duplicates'->>'payment_intent'
			WHERE m.kind = 'duplicate_payment' AND m.status = 'open' AND m.email = 'outside@example.test'
				AND m.evidence->'duplicates'->'order'->>'public_ref' = o.public_ref
				AND m.evidence->'payment'->>'payment_intent' = m.subject`), "both payments in the evidence")
	}},
	{"one order of ours, then a payment outside it", func(t *testing.T, s *testStack) {
		s.served(t, "mixed@example.test")
		s.minuteLater(t)
		s.orphan(t, "mixed@example.test", 24900, nil)
	}, duplicates(1, 1)},
	{"bought twice through our checkout", func(t *testing.T, s *testStack) {
		s.served(t, "bought2@example.test")
		s.minuteLater(t)
		s.served(t, "bought2@example.test")
	}, duplicates(2, 1)},
	{"bought twice through our checkout, both orders lost", func(t *testing.T, s *testStack) {
		// As after a restore: each payment names an order of ours that is
		// gone, so the sweep rebuilds and serves both, and queues the
		// second with the order rebuilt for it: refunding it withdraws the
		// period that order granted.
		s.orphan(t, "lost2@example.test", 24900, map[string]string{"plan": demoPlan.Code, "public_ref": "BK-LOST-AAAA-AAAA"})
		s.orphan(t, "lost2@example.test", 24900, map[string]string{"plan": demoPlan.Code, "public_ref": "BK-LOST-BBBB-BBBB"})
	}, func(t *testing.T, s *testStack, res recon.Result) {
		duplicates(2, 1)(t, s, res)
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches m JOIN orders o ON o.id = m.order_id
			WHERE m.kind = 'duplicate_payment' AND o.payment_intent_id = m.payment_intent_id
				AND o.fulfilled_at IS NOT NULL`), "the duplicate queued with the order served for it")
	}},
	{"paid, blank page, bought again", func(t *testing.T, s *testStack) {
		s.checkout(t, "blank@example.test", true)
		s.minuteLater(t)
		s.served(t, "blank@example.test")
	}, duplicates(2, 1)},
	{"refunded after it was served", func(t *testing.T, s *testStack) {
		_, p := s.served(t, "refunded@example.test")
		s.simPost(t, "/_sim/charges/"+p.Charge+"/refund", `{}`)
	}, opened("refunded_active")},
	{"disputed after it was served", func(t *testing.T, s *testStack) {
		_, p := s.served(t, "disputed@example.test")
		s.simPost(t, "/_sim/charges/"+p.Charge+"/dispute", `{}`)
	}, opened("disputed")},
	{"checkout expired unpaid", func(t *testing.T, s *testStack) {
		_, session, _ := s.checkout(t, "expired@example.test", false)
		s.expireSession(t, session)
	}, nil},
	{"amount mismatch", func(t *testing.T, s *testStack) {
		s.orphan(t, "wrong@example.test", 100, map[string]string{"plan": demoPlan.Code})
	}, opened("amount_mismatch")},
	{"marked disputed, the processor says not", func(t *testing.T, s *testStack) {
		o, _ := s.served(t, "notdisputed@example.test")
		s.setStatus(t, o.ID, billing.StatusDisputed)
	}, opened(billing.KindStatusMismatch)},
	{"marked refunded, the processor says not", func(t *testing.T, s *testStack) {
		o, _ := s.served(t, "notrefunded@example.test")
		s.setStatus(t, o.ID, billing.StatusRefunded)
	}, opened(billing.KindStatusMismatch)},
	{"marked expired, the processor says paid", func(t *testing.T, s *testStack) {
		o, _, _ := s.checkout(t, "notexpired@example.test", true)
		s.setStatus(t, o.ID, billing.StatusExpired)
	}, healedOnce("notexpired@example.test")},
	{"served without a payment", func(t *testing.T, s *testStack) {
		_, err := s.store.DB().Exec(`INSERT INTO orders (public_ref, email, plan_code, amount, currency, status,
			idempotency_key, payment_intent_id, fulfilled_via, paid_at, fulfilled_at)
			VALUES ('BK-GHOS-T001', 'ghost@example.test', $1, 24900, 'usd', 'fulfilled', 'ghost', 'pi_ghost', 'webhook',
			now() - interval '10 minutes', now() - interval '10 minutes')`, demoPlan.Code)
		require.NoError(t, err)
	}, opened("unpaid_fulfilled")},
}

// TestSweepTwiceChangesNothing runs the sweep twice over each world: the
// second run heals nothing, opens and resolves no mismatch, and leaves
// orders, access, emails and jobs exactly as the first left them.
func TestSweepTwiceChangesNothing(t *testing.T) {
	for _, w := range sweepWorlds {
		t.Run(w.name, func(t *testing.T) {
			s := sweepStack(t)
			w.build(t, s)
			first := s.sweep(t, recon.SweepOptions{})
			if w.first != nil {
				w.first(t, s, first)
			}
			state := s.worldState(t)
			again := s.sweep(t, recon.SweepOptions{})
			require.Zero(t, again.Healed, "healed")
			require.Zero(t, again.MismatchesOpened, "opened")
			require.Zero(t, again.MismatchesResolved, "resolved")
			require.Equal(t, state, s.worldState(t), "the second run changed something")
		})
	}
}

// minuteLater moves the processor's clock a minute ahead, and the sweep's
// with it, so the next payment is a minute younger than the last.
func (s *testStack) minuteLater(t *testing.T) {
	t.Helper()
	var clock struct{ Now int64 }
	require.NoError(t, json.Unmarshal(s.simPost(t, "/_sim/clock", `{"advance":"1m"}`), &clock))
	skew := time.Until(time.Unix(clock.Now, 0)) + time.Second
	s.recon.sweeper.Now = func() time.Time { return time.Now().Add(skew) }
}

// worldState is everything a sweep may change that a customer or a person
// sees: orders, access, emails, jobs and the mismatch queue (not its
// last-seen times).
func (s *testStack) worldState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id || ' ' || public_ref || ' ' || email || ' ' || status || ' ' || COALESCE(fulfilled_via, '-') || ' '
			|| COALESCE(payment_intent_id, '-') FROM orders ORDER BY id`,
		`SELECT order_id || ' ' || valid_from || ' ' || valid_until FROM entitlement_grants ORDER BY order_id`,
		`SELECT account_id || ' ' || plan_code || ' ' || valid_until FROM entitlements ORDER BY id`,
		`SELECT to_email || ' ' || template || ' ' || dedupe_key FROM email_messages ORDER BY id`,
		`SELECT kind || ' ' || state FROM river_job ORDER BY id`,
		`SELECT order_id || ' ' || kind FROM order_events ORDER BY id`,
		`SELECT kind || ' ' || subject || ' ' || status || ' ' || COALESCE(order_id, 0) FROM mismatches ORDER BY id`,
	} {
		var rows []string
		require.NoError(t, s.store.DB().Select(&rows, q))
		b.WriteString(strings.Join(rows, "\n") + "\n--\n")
	}
	return b.String()
}

// healedOnce says the first run served email's payment: one order, one
// period, one recovery email, nothing left open for that address.
func healedOnce(email string) func(*testing.T, *testStack, recon.Result) {
	return func(t *testing.T, s *testStack, res recon.Result) {
		t.Helper()
		require.Equal(t, 1, res.Healed)
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE email = $1`, email))
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants g JOIN orders o ON o.id = g.order_id
			WHERE o.email = $1`, email))
		require.Equal(t, []string{"delayed_fulfillment"}, s.emailsTo(t, email))
	}
}

// duplicates says the first run left orders served orders (each with one
// period) and flagged open extra payments as duplicate_payment.
func duplicates(orders, open int) func(*testing.T, *testStack, recon.Result) {
	return func(t *testing.T, s *testStack, res recon.Result) {
		t.Helper()
		require.Equal(t, orders, s.count(t, `SELECT count(*) FROM orders WHERE status = 'fulfilled'`), "served orders")
		require.Equal(t, orders, s.count(t, `SELECT count(*) FROM entitlement_grants`), "periods")
		require.Equal(t, open, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'duplicate_payment' AND status = 'open'`))
		require.Equal(t, open, res.ByKind["duplicate_payment"])
	}
}

func opened(kind string) func(*testing.T, *testStack, recon.Result) {
	return func(t *testing.T, s *testStack, res recon.Result) {
		t.Helper()
		require.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = $1 AND status = 'open'`, kind))
	}
}
