package invariant

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Processor reads a Stripe-compatible API (the simulator) with a secret key.
type Processor struct {
	BaseURL string // e.g. http://127.0.0.1:12111
	APIKey  string
	Client  *http.Client // nil means http.DefaultClient
}

// payment is a succeeded payment intent with what its charges and refunds say.
type payment struct {
	ID       string
	Amount   int64
	Refunded bool
}

type paymentIntent struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Amount int64  `json:"amount"`
}

// invoice is a subscription invoice as the processor lists it.
type invoice struct {
	ID            string  `json:"id"`
	Status        string  `json:"status"`
	BillingReason string  `json:"billing_reason"`
	Paid          bool    `json:"paid"`
	PaymentIntent *string `json:"payment_intent"`
}

// renewal reports whether the invoice is a later period's, not the
// purchase's first invoice (which its order serves).
func (in invoice) renewal() bool { return in.BillingReason != "subscription_create" }

// facts is what the processor says, as the rules read it: the succeeded
// payments that an order must serve (a renewal's payment is its invoice's
// business, not an order's), and every invoice.
type facts struct {
	payments []payment
	invoices []invoice
}

// read lists what the rules need from the processor.
func (p Processor) read(ctx context.Context) (facts, error) {
	var invoices []invoice
	if err := listAll(ctx, p, "invoices", &invoices); err != nil {
		return facts{}, err
	}
	renewalPayments := map[string]bool{}
	for _, in := range invoices {
		if in.renewal() && in.PaymentIntent != nil {
			renewalPayments[*in.PaymentIntent] = true
		}
	}
	all, err := p.succeededPayments(ctx)
	if err != nil {
		return facts{}, err
	}
	f := facts{invoices: invoices}
	for _, pay := range all {
		if !renewalPayments[pay.ID] {
			f.payments = append(f.payments, pay)
		}
	}
	return f, nil
}

type charge struct {
	ID             string  `json:"id"`
	PaymentIntent  *string `json:"payment_intent"`
	Amount         int64   `json:"amount"`
	AmountRefunded int64   `json:"amount_refunded"`
	Refunded       bool    `json:"refunded"`
}

type refund struct {
	ID            string  `json:"id"`
	PaymentIntent *string `json:"payment_intent"`
	Amount        int64   `json:"amount"`
	Status        string  `json:"status"`
}

// succeededPayments lists every payment intent, every charge and every
// refund, and returns the succeeded payments, each marked refunded when its
// charge or its refunds give the whole amount back.
func (p Processor) succeededPayments(ctx context.Context) ([]payment, error) {
	var intents []paymentIntent
	if err := listAll(ctx, p, "payment_intents", &intents); err != nil {
		return nil, err
	}
	var charges []charge
	if err := listAll(ctx, p, "charges", &charges); err != nil {
		return nil, err
	}
	var refunds []refund
	if err := listAll(ctx, p, "refunds", &refunds); err != nil {
		return nil, err
	}
	refunded := map[string]int64{}
	for _, c := range charges {
		if c.PaymentIntent != nil && (c.Refunded || (c.Amount > 0 && c.AmountRefunded >= c.Amount)) {
			refunded[*c.PaymentIntent] = c.Amount
		}
	}
	byRefunds := map[string]int64{}
	for _, r := range refunds {
		if r.PaymentIntent != nil && r.Status == "succeeded" {
			byRefunds[*r.PaymentIntent] += r.Amount
		}
	}
	var out []payment
	for _, pi := range intents {
		if pi.Status != "succeeded" {
			continue
		}
		_, full := refunded[pi.ID]
		out = append(out, payment{ID: pi.ID, Amount: pi.Amount, Refunded: full || byRefunds[pi.ID] >= pi.Amount})
	}
	return out, nil
}

// listAll pages through GET /v1/<resource>?limit=100 with starting_after,
// appending every object to out (a pointer to a slice of a struct with ID).
func listAll[T interface{ id() string }](ctx context.Context, p Processor, resource string, out *[]T) error {
	after := ""
	for {
		q := url.Values{"limit": {"100"}}
		if after != "" {
			q.Set("starting_after", after)
		}
		var page struct {
			Data    []T  `json:"data"`
			HasMore bool `json:"has_more"`
		}
		if err := p.get(ctx, "/v1/"+resource+"?"+q.Encode(), &page); err != nil {
			return err
		}
		*out = append(*out, page.Data...)
		if !page.HasMore || len(page.Data) == 0 {
			return nil
		}
		after = page.Data[len(page.Data)-1].id()
	}
}

func (pi paymentIntent) id() string { return pi.ID }
func (c charge) id() string         { return c.ID }
func (r refund) id() string         { return r.ID }
func (in invoice) id() string       { return in.ID }

func (p Processor) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.BaseURL+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.APIKey)
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("processor %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("processor %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("processor %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("processor %s: %w", path, err)
	}
	return nil
}
