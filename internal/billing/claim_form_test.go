package billing

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestParseAmount(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"249": 24900, "249.00": 24900, "249.0": 24900, "249.5": 24950, "$249": 24900, "$ 249.00": 24900,
		" 249.99 ": 24999, "0.01": 1, "1249.00": 124900,
	} {
		got, err := ParseAmount(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for in, words := range map[string]string{
		"":         "Please enter the amount",
		"249,00":   "without commas",
		"1,249.00": "without commas",
		"249.001":  "in dollars and cents",
		"€249":     "in dollars and cents",
		"249 EUR":  "in dollars and cents",
		"-249":     "in dollars and cents",
		"0":        "more than zero",
		"0.00":     "more than zero",
		"12345678": "in dollars and cents",
	} {
		_, err := ParseAmount(in)
		var fe *FieldError
		require.True(t, errors.As(err, &fe), "%q: %v", in, err)
		assert.Equal(t, "amount", fe.Field, in)
		assert.Contains(t, fe.Msg, words, in)
		assert.True(t, apperr.Is(err, apperr.Invalid), in)
	}
}

func TestParseClaim(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	good := ClaimForm{Email: " Ana@Example.test ", Amount: "249", Date: "2026-12-01", Last4: "42 42", Receipt: "#1234-5678"}
	c, err := ParseClaim(good, now)
	require.NoError(t, err)
	assert.Equal(t, "Ana@Example.test", c.Email)
	assert.Equal(t, int64(24900), c.Amount)
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), c.Day)
	assert.Equal(t, "4242", c.Last4)
	assert.Equal(t, "1234-5678", c.Receipt)
	assert.Equal(t, "249", c.Typed.Amount, "the words as typed are kept")
	assert.Equal(t, Range{From: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 2, 23, 59, 59, 0, time.UTC)}, c.Range())

	_, err = ParseClaim(ClaimForm{Email: "ana@example.test", Amount: "249", Date: "2026-12-02"}, now)
	require.NoError(t, err, "tomorrow in UTC can be today on the customer's statement")

	for field, f := range map[string]ClaimForm{
		"email":   {Email: "not an address", Amount: "249", Date: "2026-12-01"},
		"amount":  {Email: "a@example.test", Amount: "249,00", Date: "2026-12-01"},
		"date":    {Email: "a@example.test", Amount: "249", Date: "01/12/2026"},
		"last4":   {Email: "a@example.test", Amount: "249", Date: "2026-12-01", Last4: "424"},
		"receipt": {Email: "a@example.test", Amount: "249", Date: "2026-12-01", Receipt: "<script>"},
	} {
		_, err := ParseClaim(f, now)
		var fe *FieldError
		require.True(t, errors.As(err, &fe), "%s: %v", field, err)
		assert.Equal(t, field, fe.Field)
	}
	_, err = ParseClaim(ClaimForm{Email: "a@example.test", Amount: "249", Date: "2026-12-04"}, now)
	require.ErrorContains(t, err, "has not come yet")
}

// TestClaimMatch is the matching rule on its own: every fact given must
// fit, and only an address on the charge makes a match that serves.
func TestClaimMatch(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c := Claim{Email: "Ana@Example.test", Amount: 24900, Day: day}
	base := Charge{ID: "ch_1", PaymentIntentID: "pi_1", Amount: 24900, Currency: "usd", Status: "succeeded", Paid: true,
		ReceiptEmail: "ana@example.test", Last4: "4242", ReceiptNumber: "1234-5678", Created: day.Add(10 * time.Hour)}
	usd := []string{"usd"}
	for _, tc := range []struct {
		name  string
		claim func(Claim) Claim
		ch    func(Charge) Charge
		want  int
	}{
		{"receipt address", nil, nil, matchExact},
		{"billing address", nil, func(ch Charge) Charge { ch.ReceiptEmail, ch.BillingEmail = "", "ANA@example.test"; return ch }, matchExact},
		{"customer address", nil, func(ch Charge) Charge { ch.ReceiptEmail, ch.CustomerEmail = "", "ana@example.test"; return ch }, matchExact},
		{"the intent's receipt address", nil, func(ch Charge) Charge {
			ch.ReceiptEmail, ch.Payment = "", &Payment{ReceiptEmail: "ana@example.test"}
			return ch
		}, matchExact},
		{"a day after, in UTC", nil, func(ch Charge) Charge { ch.Created = day.Add(47 * time.Hour); return ch }, matchExact},
		{"two days after", nil, func(ch Charge) Charge { ch.Created = day.Add(48 * time.Hour); return ch }, matchNone},
		{"a cent less", nil, func(ch Charge) Charge { ch.Amount--; return ch }, matchNone},
		{"another currency", nil, func(ch Charge) Charge { ch.Currency = "eur"; return ch }, matchNone},
		{"not succeeded", nil, func(ch Charge) Charge { ch.Status, ch.Paid = "failed", false; return ch }, matchNone},
		{"last four fit", func(c Claim) Claim { c.Last4 = "4242"; return c }, nil, matchExact},
		{"last four do not", func(c Claim) Claim { c.Last4 = "4243"; return c }, nil, matchNone},
		{"receipt fits", func(c Claim) Claim { c.Receipt = "1234-5678"; return c }, nil, matchExact},
		{"receipt does not", func(c Claim) Claim { c.Receipt = "1234-5679"; return c }, nil, matchNone},
		{"another address", nil, func(ch Charge) Charge { ch.ReceiptEmail = "bo@example.test"; return ch }, matchNone},
		{"another address, the card fits", func(c Claim) Claim { c.Last4 = "4242"; return c },
			func(ch Charge) Charge { ch.ReceiptEmail = "bo@example.test"; return ch }, matchCard},
		{"another address, the receipt fits", func(c Claim) Claim { c.Receipt = "1234-5678"; return c },
			func(ch Charge) Charge { ch.ReceiptEmail = "bo@example.test"; return ch }, matchCard},
		{"another address, the card does not", func(c Claim) Claim { c.Last4 = "1111"; return c },
			func(ch Charge) Charge { ch.ReceiptEmail = "bo@example.test"; return ch }, matchNone},
	} {
		cl, ch := c, base
		if tc.claim != nil {
			cl = tc.claim(cl)
		}
		if tc.ch != nil {
			ch = tc.ch(ch)
		}
		assert.Equal(t, tc.want, cl.match(ch, usd), tc.name)
	}
}
