package stripeapi

import (
	"context"

	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

// GetPaymentIntent retrieves a payment intent with its latest charge
// expanded. Errors: Invalid for an empty id, NotFound for an unknown one,
// Unavailable.
func (c *Client) GetPaymentIntent(ctx context.Context, id string) (billing.Payment, error) {
	if err := required("payment intent id", id); err != nil {
		return billing.Payment{}, err
	}
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	p.AddExpand("latest_charge") // what handling its success reads next
	pi, err := c.api.PaymentIntents.Get(id, p)
	if err != nil {
		return billing.Payment{}, fail("get payment intent "+id, err)
	}
	return toPayment(pi), nil
}

// GetCharge retrieves a charge. Errors: Invalid for an empty id, NotFound
// for an unknown one, Unavailable.
func (c *Client) GetCharge(ctx context.Context, id string) (billing.Charge, error) {
	if err := required("charge id", id); err != nil {
		return billing.Charge{}, err
	}
	p := &stripe.ChargeParams{}
	p.Context = ctx
	ch, err := c.api.Charges.Get(id, p)
	if err != nil {
		return billing.Charge{}, fail("get charge "+id, err)
	}
	return toCharge(ch), nil
}

// ListPaymentIntents streams the payment intents created in r, newest
// first, each with its invoice expanded (in the same calls), so that a
// renewal's payment is told from a purchase.
func (c *Client) ListPaymentIntents(ctx context.Context, r billing.Range, fn func(billing.Payment) error) error {
	p := &stripe.PaymentIntentListParams{CreatedRange: createdRange(r)}
	p.AddExpand("data.invoice")
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.PaymentIntents.List(p)
	return stream(it, it.PaymentIntent, toPayment, fn, "list payment intents")
}

// ListCharges streams the charges created in r, newest first.
func (c *Client) ListCharges(ctx context.Context, r billing.Range, fn func(billing.Charge) error) error {
	p := &stripe.ChargeListParams{CreatedRange: createdRange(r)}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.Charges.List(p)
	return stream(it, it.Charge, toCharge, fn, "list charges")
}

// ListChargesWithPayer streams the charges created in r, newest first, with
// expand[]=data.payment_intent and data.customer: the same number of calls
// as ListCharges, each page carrying every address the payer gave.
func (c *Client) ListChargesWithPayer(ctx context.Context, r billing.Range, fn func(billing.Charge) error) error {
	p := &stripe.ChargeListParams{CreatedRange: createdRange(r)}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	p.AddExpand("data.payment_intent")
	p.AddExpand("data.customer")
	p.AddExpand("data.invoice")
	it := c.api.Charges.List(p)
	return stream(it, it.Charge, toCharge, fn, "list charges with payer")
}
