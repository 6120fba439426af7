package billing

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPriorStops: which earlier order of the browser takes the place of a
// new checkout, and where the customer goes instead ("" is its status page).
func TestPriorStops(t *testing.T) {
	t.Parallel()
	f := CheckoutForm{Email: "jane@example.test", PlanCode: "pro-yearly", FormToken: "form-token-0123456789"}
	key := f.idempotencyKey()
	order := Order{PublicRef: "7KQ2-M9XA-4TZP-HC3B", Email: "Jane@Example.test", IdempotencyKey: key}
	other := order
	other.IdempotencyKey = "form:another-form-token:0000"
	cases := []struct {
		name    string
		prior   Prior
		email   string
		stop    bool
		wantURL string
	}{
		{"nothing earlier", Prior{}, f.Email, false, ""},
		{"served", Prior{Order: other, State: PriorServed}, "someone.else@example.test", true, ""},
		{"held for a person", Prior{Order: other, State: PriorHeld}, f.Email, true, ""},
		{"money on its way", Prior{Order: other, State: PriorProcessing}, f.Email, true, ""},
		{"open, the same form again: its payment page", Prior{Order: order, State: PriorOpen, PayURL: "https://pay/cs_1"}, f.Email, true, "https://pay/cs_1"},
		{"open, a new form, the same address", Prior{Order: other, State: PriorOpen, PayURL: "https://pay/cs_1"}, f.Email, true, ""},
		{"open, a corrected address", Prior{Order: other, State: PriorOpen, PayURL: "https://pay/cs_1"}, "jane@example.org", false, ""},
	}
	for _, tc := range cases {
		_, url, stop := tc.prior.stops(tc.email, key)
		assert.Equal(t, tc.stop, stop, tc.name)
		assert.Equal(t, tc.wantURL, url, tc.name)
	}
}
