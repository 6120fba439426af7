package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
)

// TestClassifyInPartsBuildsEveryPaymentOnce stages enough payment intents
// for Classify to build the payments in parts, on separate connections by
// block range, and checks that every payment is built exactly once and the
// findings are those of the whole window: a duplicate pair staged first and
// last (so in different parts) is still one served and one flagged.
func TestClassifyInPartsBuildsEveryPaymentOnce(t *testing.T) {
	w := newDiffWorld(t)
	w.merged = true
	ctx := t.Context()
	const agreed = 40_000
	_, err := w.s.DB().ExecContext(ctx, `
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key, payment_intent_id,
			fulfilled_via, paid_at, fulfilled_at)
		SELECT 'BK-PART-' || i, 'part' || i || '@example.test', 'pro', 24900, 'usd', 'fulfilled', 'BK-PART-' || i,
			'pi_part_' || i, 'webhook', $1, $1
		FROM generate_series(1, $2) i`, w.now.Add(-time.Hour), agreed)
	require.NoError(t, err)
	_, err = w.s.DB().ExecContext(ctx, `ANALYZE orders`) // as autovacuum would have, after so many rows
	require.NoError(t, err)

	first := w.payment(stagedPayment{email: "twice@example.test", plan: "pro", ago: 2 * time.Hour})
	objs := []store.StagedObject{first}
	for i := 1; i <= agreed; i++ {
		id := fmt.Sprintf("pi_part_%d", i)
		email := fmt.Sprintf("part%d@example.test", i)
		objs = append(objs, store.StagedObject{
			Object: "payment_intent", ID: id, PaymentIntentID: id, Status: "succeeded", ChargeID: "ch_part_" + id[8:],
			Amount: 24900, Currency: "usd", PublicRef: fmt.Sprintf("BK-PART-%d", i), Plan: "pro", Paid: true,
			Created: w.now.Add(-time.Hour), Charge: &store.StagedCharge{Status: "succeeded", Email: email, Created: w.now.Add(-time.Hour)},
		})
	}
	for _, email := range []string{"a@example.test", "b@example.test", "c@example.test"} {
		objs = append(objs, w.payment(stagedPayment{email: email, plan: "pro", ago: time.Hour}))
	}
	objs = append(objs, w.payment(stagedPayment{email: "twice@example.test", plan: "pro", ago: time.Hour}))

	findings := w.classify(objs...)

	var blocks int64
	require.NoError(t, w.s.DB().Get(&blocks, `SELECT pg_relation_size('recon_payment_intents') / 8192`))
	require.GreaterOrEqual(t, blocks, int64(store.PaymentsPartBlocks), "staged enough to build in parts")
	var built, distinct int
	require.NoError(t, w.s.DB().QueryRow(`SELECT count(*), count(DISTINCT payment_intent_id) FROM recon_payments`).Scan(&built, &distinct))
	require.Equal(t, agreed+5, built, "every payment built")
	require.Equal(t, built, distinct, "no payment built twice")

	kinds := map[string]int{}
	for _, f := range findings {
		kinds[strings.Join(strings.Fields(f)[:2], " ")]++
	}
	require.Equal(t, map[string]int{"orphan_payment heal": 4, "duplicate_payment queue": 1}, kinds, findings)
	require.Contains(t, strings.Join(findings, "\n"), "dup-of="+first.ID)
}
