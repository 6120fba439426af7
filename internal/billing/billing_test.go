package billing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestFulfilmentTemplate(t *testing.T) {
	started := time.Date(2026, 11, 30, 10, 0, 0, 500_000_000, time.UTC)
	s := &Service{started: started}
	paid := started.Add(10 * time.Second).Truncate(time.Second)
	cases := []struct {
		name   string
		via    Via
		paidAt time.Time
		now    time.Time
		want   string
	}{
		{"return page within a minute", ViaReturnPage, paid, paid.Add(5 * time.Second), "order_confirmation"},
		{"webhook within a minute", ViaWebhook, paid, paid.Add(59 * time.Second), "order_confirmation"},
		{"webhook after a minute", ViaWebhook, paid, paid.Add(61 * time.Second), "delayed_fulfillment"},
		{"catch-up is a repair", ViaEventCatchup, paid, paid.Add(time.Second), "delayed_fulfillment"},
		{"sweep is a repair", ViaSweep, paid, paid.Add(time.Second), "delayed_fulfillment"},
		{"staff is a repair", ViaStaff, paid, paid.Add(time.Second), "delayed_fulfillment"},
		{"paid in the second the process started", ViaWebhook, started.Truncate(time.Second), started.Add(time.Second), "order_confirmation"},
		{"paid before this process started: a crash", ViaWebhook, started.Add(-2 * time.Second), started.Add(time.Second), "delayed_fulfillment"},
		{"payment time unknown", ViaWebhook, time.Time{}, paid, "delayed_fulfillment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, s.fulfilmentTemplate(tc.via, tc.paidAt, tc.now))
		})
	}
}

func TestFromSessionPrefersTheExpandedPayment(t *testing.T) {
	created := time.Unix(1_800_000_000, 0)
	s := Session{
		ID: "cs_1", AmountTotal: 100, Currency: "usd", CustomerEmail: "a@example.test",
		ClientReferenceID: "42", Metadata: map[string]string{MetaPublicRef: "REF", MetaPlan: "pro-yearly"},
		PaymentIntent: &Payment{ID: "pi_1", Amount: 24900, Currency: "usd", LatestChargeID: "ch_1", Created: created},
	}
	p := FromSession(s)
	require.Equal(t, PaidCheckout{
		SessionID: "cs_1", PaymentIntentID: "pi_1", ChargeID: "ch_1", Amount: 24900, Currency: "usd",
		Email: "a@example.test", OrderID: 42, PublicRef: "REF", PlanCode: "pro-yearly", PaidAt: created,
	}, p)
	require.True(t, p.Linked())

	orphan := FromPayment(Payment{ID: "pi_2", Amount: 24900, Currency: "usd", ReceiptEmail: "b@example.test"})
	require.False(t, orphan.Linked())
	require.Equal(t, "b@example.test", orphan.Email)
}

func TestCheckoutFormValidate(t *testing.T) {
	token := "0123456789abcdef"
	cases := []struct {
		form  CheckoutForm
		field string
	}{
		{CheckoutForm{Email: " a@example.test ", PlanCode: "p", FormToken: token}, ""},
		{CheckoutForm{Email: "", PlanCode: "p", FormToken: token}, "email"},
		{CheckoutForm{Email: "Name <a@example.test>", PlanCode: "p", FormToken: token}, "email"},
		{CheckoutForm{Email: "a@example.test", PlanCode: "", FormToken: token}, "plan"},
		{CheckoutForm{Email: "a@example.test", PlanCode: "p", FormToken: "short"}, "form"},
	}
	for _, tc := range cases {
		err := tc.form.Validate()
		if tc.field == "" {
			require.NoError(t, err)
			require.Equal(t, "a@example.test", tc.form.Email, "trimmed")
			continue
		}
		var fe *FieldError
		require.ErrorAs(t, err, &fe)
		require.Equal(t, tc.field, fe.Field)
		require.True(t, apperr.Is(err, apperr.Invalid))
	}
}

func TestPublicRefs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		ref := NewPublicRef()
		require.Regexp(t, `^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`, ref)
		require.False(t, seen[ref])
		seen[ref] = true
	}
	require.Equal(t, "7KQ2-M9XA-4TZP-HC3B", NormalizeRef(" 7kq2-m9xa-4tzp-hc3b "))
	require.Equal(t, "1010-0000", NormalizeRef("lOIo-oooo"))
}

func TestFormatMoney(t *testing.T) {
	require.Equal(t, "$249.00", FormatMoney(24900, "usd"))
	require.Equal(t, "9.05 EUR", FormatMoney(905, "eur"))
	require.Equal(t, "-$1.50", FormatMoney(-150, "usd"))
}
