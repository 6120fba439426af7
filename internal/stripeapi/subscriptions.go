package stripeapi

import (
	"context"

	"github.com/backstophq/backstop/internal/billing"
	stripe "github.com/stripe/stripe-go/v76"
)

// GetInvoice retrieves an invoice with its subscription and charge
// expanded: what handling a renewal's event needs, in one call. Errors:
// Invalid for an empty id, NotFound for an unknown one, Unavailable.
func (c *Client) GetInvoice(ctx context.Context, id string) (billing.Invoice, error) {
	if err := required("invoice id", id); err != nil {
		return billing.Invoice{}, err
	}
	p := &stripe.InvoiceParams{}
	p.Context = ctx
	p.AddExpand("subscription")
	p.AddExpand("charge")
	in, err := c.api.Invoices.Get(id, p)
	if err != nil {
		return billing.Invoice{}, fail("get invoice "+id, err)
	}
	return toInvoice(in), nil
}

// GetSubscription retrieves a subscription. Errors: Invalid for an empty
// id, NotFound for an unknown one, Unavailable.
func (c *Client) GetSubscription(ctx context.Context, id string) (billing.Subscription, error) {
	if err := required("subscription id", id); err != nil {
		return billing.Subscription{}, err
	}
	p := &stripe.SubscriptionParams{}
	p.Context = ctx
	sub, err := c.api.Subscriptions.Get(id, p)
	if err != nil {
		return billing.Subscription{}, fail("get subscription "+id, err)
	}
	return toSubscription(sub), nil
}

// CancelSubscription cancels a subscription now (DELETE
// /v1/subscriptions/{id}; Stripe ignores idempotency keys on DELETE).
// Errors: Invalid for an empty id or a subscription already canceled;
// NotFound; Unavailable.
func (c *Client) CancelSubscription(ctx context.Context, id string) (billing.Subscription, error) {
	if err := required("subscription id", id); err != nil {
		return billing.Subscription{}, err
	}
	p := &stripe.SubscriptionCancelParams{}
	p.Context = ctx
	sub, err := c.api.Subscriptions.Cancel(id, p)
	if err != nil {
		return billing.Subscription{}, fail("cancel subscription "+id, err)
	}
	return toSubscription(sub), nil
}

// ListInvoices streams the invoices created in r, newest first.
func (c *Client) ListInvoices(ctx context.Context, r billing.Range, fn func(billing.Invoice) error) error {
	p := &stripe.InvoiceListParams{CreatedRange: createdRange(r)}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.Invoices.List(p)
	return stream(it, it.Invoice, toInvoice, fn, "list invoices")
}

// ListSubscriptions streams the subscriptions created in r, newest first,
// canceled ones included (status=all: Stripe's default leaves them out,
// and an ended subscription is exactly what the sweep must see).
func (c *Client) ListSubscriptions(ctx context.Context, r billing.Range, fn func(billing.Subscription) error) error {
	p := &stripe.SubscriptionListParams{CreatedRange: createdRange(r), Status: stripe.String("all")}
	p.Context = ctx
	p.Limit = stripe.Int64(pageSize)
	it := c.api.Subscriptions.List(p)
	return stream(it, it.Subscription, toSubscription, fn, "list subscriptions")
}

func toInvoice(in *stripe.Invoice) billing.Invoice {
	out := billing.Invoice{
		ID: in.ID, Status: string(in.Status), BillingReason: string(in.BillingReason), Paid: in.Paid,
		AmountDue: in.AmountDue, AmountPaid: in.AmountPaid, Currency: string(in.Currency),
		Email: in.CustomerEmail, HostedURL: in.HostedInvoiceURL, AttemptCount: in.AttemptCount,
		PeriodStart: unixTime(in.PeriodStart), PeriodEnd: unixTime(in.PeriodEnd),
		Created: unixTime(in.Created),
	}
	if in.Subscription != nil {
		out.SubscriptionID = in.Subscription.ID
		if expanded(in.Subscription.Object) {
			sub := toSubscription(in.Subscription)
			out.Subscription = &sub
		}
	}
	if in.PaymentIntent != nil {
		out.PaymentIntentID = in.PaymentIntent.ID
	}
	if in.Charge != nil {
		out.ChargeID = in.Charge.ID
		if expanded(in.Charge.Object) {
			ch := toCharge(in.Charge)
			out.Charge = &ch
		}
	}
	if d := in.SubscriptionDetails; d != nil {
		out.SubscriptionMetadata = d.Metadata
	}
	if st := in.StatusTransitions; st != nil {
		out.PaidAt = unixTime(st.PaidAt)
	}
	// The period paid for is the subscription line's, not the invoice's
	// own (which, for a renewal, is the period that just ended).
	if in.Lines != nil {
		for _, l := range in.Lines.Data {
			if l.Period != nil && l.Type == stripe.InvoiceLineItemTypeSubscription {
				out.PeriodStart, out.PeriodEnd = unixTime(l.Period.Start), unixTime(l.Period.End)
				break
			}
		}
	}
	return out
}

func toSubscription(sub *stripe.Subscription) billing.Subscription {
	out := billing.Subscription{
		ID: sub.ID, Status: string(sub.Status), Metadata: sub.Metadata,
		CurrentPeriodStart: unixTime(sub.CurrentPeriodStart), CurrentPeriodEnd: unixTime(sub.CurrentPeriodEnd),
		CancelAtPeriodEnd: sub.CancelAtPeriodEnd, EndedAt: unixTime(sub.EndedAt), Created: unixTime(sub.Created),
	}
	if sub.Customer != nil {
		out.CustomerID = sub.Customer.ID
	}
	if sub.LatestInvoice != nil {
		out.LatestInvoiceID = sub.LatestInvoice.ID
	}
	return out
}
