package billing

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIdempotencyKey: one key per form, email (in any case) and plan.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	f := CheckoutForm{Email: "jane@example.test", PlanCode: "pro-yearly", FormToken: "form-token-0123456789"}
	same := f
	same.Email = "Jane@Example.TEST"
	typo, plan, form := f, f, f
	typo.Email = "jane@exmaple.test"
	plan.PlanCode = "pro-monthly"
	form.FormToken = "form-token-9876543210"
	assert.Equal(t, f.idempotencyKey(), same.idempotencyKey())
	for _, g := range []CheckoutForm{typo, plan, form} {
		assert.NotEqual(t, f.idempotencyKey(), g.idempotencyKey())
	}
	assert.Regexp(t, `^form:form-token-0123456789:[0-9a-f]{16}$`, f.idempotencyKey())
}
