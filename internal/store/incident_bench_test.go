package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backstophq/backstop/internal/dbtest"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// BenchmarkIncidentPlan10k plans a window of 10,000 succeeded payments
// (a session, a payment intent and a charge each; half of them with a
// fulfilled order that was emailed) with the processor listing excluded:
// the objects are staged directly, and only PlanIncident (the set-based
// classification and the stored plan) is timed. The goal is under 10 s.
func BenchmarkIncidentPlan10k(b *testing.B) {
	const n = 10_000
	s, ctx := store.New(dbtest.New(b)), context.Background()
	_, err := s.DB().Exec(`INSERT INTO plans (code, name, amount, currency, interval) VALUES ('p', 'P', 24900, 'usd', 'year')`)
	if err != nil {
		b.Fatal(err)
	}
	_, err = s.DB().Exec(`
		INSERT INTO orders (public_ref, email, plan_code, amount, currency, status, idempotency_key,
			payment_intent_id, fulfilled_via, paid_at, fulfilled_at)
		SELECT 'ref' || i, 'c' || i || '@example.test', 'p', 24900, 'usd', 'fulfilled', 'k' || i,
			'pi_' || i, 'webhook', now(), now()
		FROM generate_series(0, $1 - 1, 2) i`, n)
	if err != nil {
		b.Fatal(err)
	}
	_, err = s.DB().Exec(`
		INSERT INTO email_messages (template, template_version, to_email, order_id, subject, html_body, text_body,
			dedupe_key, status, message_id)
		SELECT 'delayed_fulfillment', 0, o.email, o.id, 's', 'h', 't', 'order:' || o.id, 'sent', '<m' || o.id || '>'
		FROM orders o`)
	if err != nil {
		b.Fatal(err)
	}
	from := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	objs := make([]store.StagedObject, 0, 3*n)
	for i := range n {
		pi, at := fmt.Sprintf("pi_%d", i), from.Add(time.Duration(i)*time.Millisecond)
		email := fmt.Sprintf("c%d@example.test", i)
		objs = append(objs,
			store.StagedObject{Object: "session", ID: fmt.Sprintf("cs_%d", i), Status: "complete", PaymentIntentID: pi,
				Amount: 24900, Currency: "usd", Email: email, PublicRef: fmt.Sprintf("ref%d", i), Plan: "p", Paid: true, Created: at},
			store.StagedObject{Object: "payment_intent", ID: pi, Status: "succeeded", PaymentIntentID: pi,
				ChargeID: fmt.Sprintf("ch_%d", i), Amount: 24900, Currency: "usd", Email: email, Paid: true, Created: at},
			store.StagedObject{Object: "charge", ID: fmt.Sprintf("ch_%d", i), Status: "succeeded", PaymentIntentID: pi,
				ChargeID: fmt.Sprintf("ch_%d", i), Amount: 24900, Currency: "usd", Email: email, Paid: true, Created: at})
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		id, err := s.CreateIncident(ctx, from, from.Add(2*time.Hour), "bench")
		if err != nil {
			b.Fatal(err)
		}
		w := store.IncidentWindow{ID: id, From: from, To: from.Add(2 * time.Hour)}
		if err := s.StageObjects(ctx, w.StagingRun(), objs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = s.PlanIncident(ctx, w, 0, len(objs), staff.AuditEntry{Actor: "bench", Action: "incident.planned"})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		by, err := s.IncidentActions(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if by[store.ActionProvision].Count != n/2 || by[store.ActionNothing].Count != n/2 {
			b.Fatalf("plan: %+v", by)
		}
		b.StartTimer()
	}
}
