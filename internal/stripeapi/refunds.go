package stripeapi

import (
	"context"

	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

// CreateRefund refunds a payment intent, fully when req.Amount is zero. The
// idempotency key is required (apperr.Invalid without it): a refund sent
// twice under two keys pays the customer back twice. Errors: Invalid for a
// refused refund (already refunded, amount too large), Conflict when the key
// was used with different parameters, NotFound, Unavailable.
func (c *Client) CreateRefund(ctx context.Context, req billing.RefundRequest) (billing.Refund, error) {
	if err := required("idempotency key", req.IdempotencyKey); err != nil {
		return billing.Refund{}, err
	}
	if err := required("payment intent id", req.PaymentIntentID); err != nil {
		return billing.Refund{}, err
	}
	p := &stripe.RefundParams{
		PaymentIntent: stripe.String(req.PaymentIntentID),
		Reason:        optional(req.Reason),
		Metadata:      req.Metadata,
	}
	if req.Amount > 0 {
		p.Amount = stripe.Int64(req.Amount)
	}
	p.Context = ctx
	p.SetIdempotencyKey(req.IdempotencyKey)
	r, err := c.api.Refunds.New(p)
	if err != nil {
		return billing.Refund{}, fail("create refund for "+req.PaymentIntentID, err)
	}
	return toRefund(r), nil
}

// ListRefunds streams the refunds created in r, newest first.
func (c *Client) ListRefunds(ctx context.Context, r billing.Range, fn func(billing.Refund) error) error {
	p := &stripe.RefundListParams{CreatedRange: createdRange(r)}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.Refunds.List(p)
	return stream(it, it.Refund, toRefund, fn, "list refunds")
}

// GetDispute retrieves a dispute. Errors: Invalid for an empty id, NotFound
// for an unknown one, Unavailable.
func (c *Client) GetDispute(ctx context.Context, id string) (billing.Dispute, error) {
	if err := required("dispute id", id); err != nil {
		return billing.Dispute{}, err
	}
	p := &stripe.DisputeParams{}
	p.Context = ctx
	d, err := c.api.Disputes.Get(id, p)
	if err != nil {
		return billing.Dispute{}, fail("get dispute "+id, err)
	}
	return toDispute(d), nil
}

// ListDisputes streams the disputes created in r, newest first.
func (c *Client) ListDisputes(ctx context.Context, r billing.Range, fn func(billing.Dispute) error) error {
	p := &stripe.DisputeListParams{CreatedRange: createdRange(r)}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.Disputes.List(p)
	return stream(it, it.Dispute, toDispute, fn, "list disputes")
}
