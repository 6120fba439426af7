package stripeapi

import (
	"context"

	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

// CreateCheckoutSession creates a payment-mode session for one line item.
// The request's idempotency key is required (apperr.Invalid without it), so
// that a retry after a crash gets the same session back. Metadata goes on
// the session and on the payment intent Stripe creates when the customer
// pays. Errors: Invalid for a refused request, Conflict when the key was
// used with different parameters, Unavailable for outages and rate limits.
func (c *Client) CreateCheckoutSession(ctx context.Context, req billing.CheckoutRequest) (billing.Session, error) {
	if err := required("idempotency key", req.IdempotencyKey); err != nil {
		return billing.Session{}, err
	}
	p := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		ClientReferenceID: optional(req.ClientReferenceID),
		CustomerEmail:     optional(req.Email),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionLineItemPriceDataParams{
				Currency:   stripe.String(req.Currency),
				UnitAmount: stripe.Int64(req.Amount),
				ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{
					Name: stripe.String(req.ProductName),
				},
			},
		}},
		Metadata:          req.Metadata,
		PaymentIntentData: &stripe.CheckoutSessionPaymentIntentDataParams{Metadata: req.Metadata},
	}
	if req.Interval != "" {
		// A subscription: the price recurs, the metadata goes on the
		// subscription (Checkout refuses payment_intent_data in this mode).
		p.Mode = stripe.String(string(stripe.CheckoutSessionModeSubscription))
		p.LineItems[0].PriceData.Recurring = &stripe.CheckoutSessionLineItemPriceDataRecurringParams{
			Interval: stripe.String(req.Interval),
		}
		p.PaymentIntentData = nil
		p.SubscriptionData = &stripe.CheckoutSessionSubscriptionDataParams{Metadata: req.Metadata}
	}
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey)
	cs, err := c.api.CheckoutSessions.New(p)
	if err != nil {
		return billing.Session{}, fail("create checkout session", err)
	}
	return toSession(cs), nil
}

// GetCheckoutSession retrieves a session with its payment intent and that
// payment's charge expanded, or for a subscription-mode session its first
// invoice, the invoice's payment intent and charge, and the subscription:
// everything handling its completion needs, in one call of the rate
// budget instead of four. Errors: Invalid for an empty id, NotFound for an
// unknown one, Unavailable.
func (c *Client) GetCheckoutSession(ctx context.Context, id string) (billing.Session, error) {
	if err := required("checkout session id", id); err != nil {
		return billing.Session{}, err
	}
	p := &stripe.CheckoutSessionParams{}
	p.Context = ctx
	p.AddExpand("payment_intent.latest_charge")
	p.AddExpand("invoice.payment_intent.latest_charge")
	p.AddExpand("subscription")
	cs, err := c.api.CheckoutSessions.Get(id, p)
	if err != nil {
		return billing.Session{}, fail("get checkout session "+id, err)
	}
	return toSession(cs), nil
}

// ListCheckoutSessions streams the sessions created in r, newest first,
// each subscription-mode session with its invoice expanded (in the same
// calls) so that its payment intent is known.
func (c *Client) ListCheckoutSessions(ctx context.Context, r billing.Range, fn func(billing.Session) error) error {
	p := &stripe.CheckoutSessionListParams{CreatedRange: createdRange(r)}
	p.AddExpand("data.invoice")
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.CheckoutSessions.List(p)
	return stream(it, it.CheckoutSession, toSession, fn, "list checkout sessions")
}

// optional leaves an empty string out of the request instead of sending "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return stripe.String(s)
}
