package console

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func TestExplainSaysWhatIsWrongAndWhatToDo(t *testing.T) {
	t.Parallel()
	paid := store.MismatchSummary{Status: "open", Amount: 24900, Currency: "usd", Email: "ana@example.com", PublicRef: "BK-7Q2M"}
	due := now.Add(5*24*time.Hour + time.Hour)
	for _, tc := range []struct {
		kind    string
		change  func(*store.MismatchSummary)
		problem string
		action  string
	}{
		{billing.KindOrphanPayment, nil,
			"A payment of $249.00 from ana@example.com succeeded at the processor, but we have no order for it and could not tell which plan it bought.",
			"Ask the customer what they meant to buy; refund it if no plan fits (Verify & provision needs a plan of exactly that amount)."},
		{billing.KindStuckPending, nil,
			"ana@example.com paid, but order BK-7Q2M is still pending: charged and not served.",
			"Verify & provision: it re-checks the payment at the processor, then serves the customer and emails them."},
		{billing.KindUnpaidFulfilled, nil,
			"Order BK-7Q2M from ana@example.com was served, but the processor shows no succeeded payment for it.",
			"Compare our side with the processor's. Access is never taken away automatically; dismiss with a reason if it was paid another way."},
		{billing.KindRefundedActive, nil,
			"A payment of $249.00 from ana@example.com was refunded in full, but the customer still has access.",
			"Decide whether access should end; dismiss with a reason if keeping it was intended."},
		{billing.KindDisputed, func(m *store.MismatchSummary) { m.EvidenceDueBy = &due },
			"ana@example.com disputed a payment of $249.00 with their bank; evidence is due in 6 days (15 Mar 2026).",
			"Answer at the processor before the deadline, with the order, emails and timeline on this mismatch's page as evidence."},
		{billing.KindDuplicatePayment, nil,
			"A payment of $249.00 from ana@example.com repeats an earlier payment for the same plan within 24 hours: the customer was charged twice.",
			"Refund this extra payment; the customer keeps the access the first one bought."},
		{billing.KindAmountMismatch, func(m *store.MismatchSummary) { m.Amount, m.ExpectedAmount, m.ExpectedCurrency = 19900, 24900, "usd" },
			"A payment of $199.00 from ana@example.com does not match the plan's price ($249.00), so it was not served automatically.",
			"Refund it; if the customer paid too much, refund the difference, then Verify & provision."},
		{billing.KindIdentityUnknown, func(m *store.MismatchSummary) { m.Email, m.PublicRef = "", "" },
			"A payment of $249.00 succeeded, but it carries no email we can use, so nobody could be served or told.",
			"Find who paid (the support inbox, the card's last four digits, the amount and time), then Link account and Verify & provision."},
		{billing.KindExpiredPending, nil,
			"The checkout for order BK-7Q2M from ana@example.com expired without a payment.",
			"Nothing is owed: the order is marked expired. Dismiss it if it is still here."},
		{billing.KindClaimReview, nil,
			"ana@example.com claims a payment of $249.00 as theirs on Claim my purchase: it fits the amount, the day and the card or receipt they gave, but it was made with another email address, so it was not served to them.",
			"Compare the claim's words with the payment's addresses in the evidence; if it is theirs, Link account to their address, then Verify & provision. If not, dismiss it with a reason and write to them."},
		{billing.KindStatusMismatch, nil,
			"We mark order BK-7Q2M from ana@example.com refunded or disputed, but the processor says a payment of $249.00 is neither, so our status rests on no fact of theirs.",
			"Compare the two sides below; nothing was taken from the customer. Dismiss it with a reason once the order's status is right: the next sweep closes it by itself when the processor and we agree."},
		{billing.KindEventFailed, nil,
			"A processor event kept failing to be handled, so after repeated tries (about five hours) Backstop stopped trying and left it to you.",
			"Read the event's id, type and last error in the evidence and look its object up at the processor; put right what it was about, then dismiss this with what you did."},
		{"a_kind_from_the_future", nil,
			"Reconciliation found a mismatch of kind a_kind_from_the_future.",
			"Open it to compare our side with the processor's."},
		{billing.KindStuckPending, func(m *store.MismatchSummary) { m.Email, m.PublicRef, m.Currency = "", "", "" },
			"The customer paid, but the order is still pending: charged and not served.",
			"Verify & provision: it re-checks the payment at the processor, then serves the customer and emails them."},
		{billing.KindDuplicatePayment, func(m *store.MismatchSummary) { m.Status, m.Resolution = "resolved", "refunded by ana@example.com" },
			"A payment of $249.00 from ana@example.com repeats an earlier payment for the same plan within 24 hours: the customer was charged twice.",
			"Nothing to do. Resolved: refunded by ana@example.com."},
		{billing.KindIdentityUnknown, func(m *store.MismatchSummary) { m.Status = "auto_resolved" },
			"A payment of $249.00 succeeded, but it carries no email we can use, so nobody could be served or told.",
			"Nothing to do. Resolved automatically."},
	} {
		m := paid
		m.Kind = tc.kind
		if tc.change != nil {
			tc.change(&m)
		}
		assert.Equal(t, Advice{Problem: tc.problem, Action: tc.action}, Explain(m, now), tc.kind)
	}
	for _, k := range billing.Kinds {
		assert.NotEqual(t, k, KindLabel(k), "every known kind has a label")
		assert.NotContains(t, Explain(store.MismatchSummary{Kind: k, Status: "open"}, now).Problem, "kind "+k, "every known kind has its words")
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	for _, tc := range []struct {
		due  *time.Time
		want string
	}{
		{nil, "the processor gave no evidence deadline"},
		{at(-time.Hour), "the evidence deadline passed on 10 Mar 2026"},
		{at(5 * time.Hour), "evidence is due within a day (10 Mar 17:00 UTC)"},
		{at(24 * time.Hour), "evidence is due within a day (11 Mar 12:00 UTC)"},
		{at(25 * time.Hour), "evidence is due in 2 days (11 Mar 2026)"},
		{at(21 * 24 * time.Hour), "evidence is due in 21 days (31 Mar 2026)"},
	} {
		assert.Equal(t, tc.want, Deadline(tc.due, now))
	}
}

func TestMoneyGroupsThousands(t *testing.T) {
	t.Parallel()
	for amount, want := range map[int64]string{0: "$0.00", 24900: "$249.00", 249000: "$2,490.00",
		2490000000: "$24,900,000.00", -123456: "-$1,234.56"} {
		assert.Equal(t, want, Money(amount, "usd"))
	}
	assert.Equal(t, "1,000.00 EUR", Money(100000, "eur"))
	assert.Empty(t, Money(100, ""), "no currency, no amount")
}

func TestEvidenceReadsLikeFacts(t *testing.T) {
	t.Parallel()
	raw := json.RawMessage(`{"plan": {"code": "pro-yearly", "amount": 24900, "currency": "usd"}, "order": null,
		"payment": {"amount": 24900, "currency": "usd", "email": null, "refunded": false, "created": "2026-03-09T08:01:02Z",
		"metadata": {"plan": "pro-yearly", "order_id": null}, "payment_intent": "pi_1"}, "reason": "x"}`)
	assert.Equal(t, []Section{
		{Title: "Payment", Fields: []Field{{"Amount", "$249.00"}, {"Created", "9 Mar 2026 08:01:02 UTC"}, {"Currency", "usd"},
			{"Email", "—"}, {"Metadata Order id", "—"}, {"Metadata Plan", "pro-yearly"}, {"Payment intent", "pi_1"}, {"Refunded", "no"}}},
		{Title: "Order", Note: "None when this was seen."},
		{Title: "Plan", Fields: []Field{{"Amount", "$249.00"}, {"Code", "pro-yearly"}, {"Currency", "usd"}}},
		{Title: "Details", Fields: []Field{{"Reason", "x"}}},
	}, evidenceSections(raw))
	assert.Nil(t, evidenceSections(nil))
	assert.Equal(t, "not json", evidenceSections(json.RawMessage(`not json`))[0].Fields[0].Value, "kept as stored")
}
