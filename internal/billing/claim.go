package billing

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/fault"
)

// The outcomes of a claim, each its own page.
const (
	// ClaimServed: the payment was not served; it is now (fulfilled_via
	// claim), and the access email went to the address on the payment.
	ClaimServed = "served"
	// ClaimAlready: the payment was served before; its access email is
	// sent again.
	ClaimAlready = "already"
	// ClaimReview: a payment of that amount and day, with the card's last
	// four or the receipt number given, was made with another email. A
	// person checks it (a claim_review mismatch); nothing is served.
	ClaimReview = "review"
	// ClaimHeld: the payment is the customer's, but a person must finish
	// the order (no plan costs that amount, or the amount differs from its
	// order's); they are told by the holding email.
	ClaimHeld = "held"
	// ClaimNotServed: the payment is the customer's, but its money went
	// back (refunded) or is contested (disputed): nothing to switch on.
	ClaimNotServed = "not_served"
	// ClaimNoMatch: no payment fits. The same answer whether or not the
	// address ever bought anything.
	ClaimNoMatch = "no_match"
)

// ClaimResult is what a claim did, for its page.
type ClaimResult struct {
	Outcome string
	// SentTo is the address the email of the outcome went to, only when
	// it is the one the customer typed (case aside); "" when it went to
	// another address on the payment, which no page shows.
	SentTo string
	// Resent is, for ClaimAlready, whether a copy was queued now; false
	// when one was already sent again within the hour.
	Resent bool
	// Unserved is refunded or disputed, for ClaimNotServed.
	Unserved string
	// Claimed is the claim's amount, formatted in the currency we sell in
	// ("$249.00"): what the customer typed, for the page.
	Claimed string
}

// Claim asks the processor live whether a payment fits the customer's
// claim and acts on the outcome (see the Claim constants): one listing of
// the charges created in the stated day ±1 (never Search, which lags in
// outages), through the shared rate budget, with no transaction open; then
// at most one short transaction. A payment fits on amount, a currency we
// sell in, day, and an address on the charge (receipt, billing or
// customer email, case-insensitive); last four and receipt number, when
// given, must fit too.
//
// Nothing it returns says whether an address has bought when no payment
// fits: ClaimNoMatch carries nothing else, and its work (one listing, no
// database write) is the same for every address.
//
// Errors: Unavailable when the processor cannot be reached; Internal.
func (s *Service) Claim(ctx context.Context, c Claim) (ClaimResult, error) {
	currencies, err := s.planCurrencies(ctx)
	if err != nil {
		return ClaimResult{}, err
	}
	var exact []Charge
	var card *Charge
	err = s.proc.ListChargesWithPayer(ctx, c.Range(), func(ch Charge) error {
		switch c.match(ch, currencies) {
		case matchExact:
			exact = append(exact, ch)
		case matchCard:
			if card == nil || ch.Created.Before(card.Created) {
				card = &ch
			}
		}
		return nil
	})
	if err != nil {
		return ClaimResult{}, err
	}
	var res ClaimResult
	switch {
	case len(exact) > 0:
		// Oldest first: of two payments nobody meant to make twice, the
		// first is the one to serve (the sweep flags the other).
		slices.SortFunc(exact, func(a, b Charge) int { return a.Created.Compare(b.Created) })
		res, err = s.serveClaim(ctx, c, exact)
	case card != nil:
		res, err = s.reviewClaim(ctx, c, *card)
	default:
		res = ClaimResult{Outcome: ClaimNoMatch}
	}
	res.Claimed = FormatMoney(c.Amount, firstNonEmpty(append(currencies, "usd")...))
	return res, err
}

// planCurrencies are the currencies of the plans on sale: a claim's amount
// is read in one of them.
func (s *Service) planCurrencies(ctx context.Context) ([]string, error) {
	var out []string
	err := s.store.InTx(ctx, func(tx Tx) error {
		plans, err := tx.Plans(ctx, true)
		for _, p := range plans {
			if !slices.Contains(out, p.Currency) {
				out = append(out, p.Currency)
			}
		}
		return err
	})
	return out, err
}

// How well one charge fits a claim.
const (
	matchNone = iota
	// matchCard: amount, currency and day fit, and the last four or the
	// receipt number given fit, but no address on the charge is the
	// customer's.
	matchCard
	// matchExact: all of that, and an address on the charge is theirs.
	matchExact
)

func (c Claim) match(ch Charge, currencies []string) int {
	r := c.Range()
	switch {
	case ch.Status != "succeeded" || !ch.Paid || ch.PaymentIntentID == "":
		return matchNone
	case ch.Amount != c.Amount || !slices.Contains(currencies, ch.Currency):
		return matchNone
	case ch.Created.Before(r.From) || ch.Created.After(r.To):
		return matchNone
	case c.Last4 != "" && ch.Last4 != c.Last4:
		return matchNone
	case c.Receipt != "" && receiptKey(ch.ReceiptNumber) != c.Receipt:
		return matchNone
	case c.addressOn(ch) != "":
		return matchExact
	case c.Last4 != "" || c.Receipt != "":
		return matchCard
	}
	return matchNone
}

// addressOn returns the charge's own spelling of the customer's address,
// or "" when no address on the charge is theirs.
func (c Claim) addressOn(ch Charge) string {
	addrs := []string{ch.ReceiptEmail, ch.BillingEmail, ch.CustomerEmail}
	if ch.Payment != nil {
		addrs = append(addrs, ch.Payment.ReceiptEmail)
	}
	for _, a := range addrs {
		if a = strings.TrimSpace(a); a != "" && strings.EqualFold(a, c.Email) {
			return a
		}
	}
	return ""
}

// claimedPayment is the charge as Fulfill takes it: the address that fits
// the claim, and the links to an order the payment intent's metadata holds.
func (c Claim) claimedPayment(ch Charge) PaidCheckout {
	p := PaidCheckout{
		PaymentIntentID: ch.PaymentIntentID, ChargeID: ch.ID, Amount: ch.Amount, Currency: ch.Currency,
		Email: c.addressOn(ch), PaidAt: ch.Created, Refunded: ch.Refunded, Disputed: ch.Disputed,
	}
	applyMetadata(&p, ch.Metadata)
	if ch.Payment != nil {
		applyMetadata(&p, ch.Payment.Metadata)
	}
	// A subscription's payment carries our links on its subscription.
	if len(p.PublicRef) == 0 && ch.InvoiceMetadata != nil {
		applyMetadata(&p, ch.InvoiceMetadata)
	}
	return p
}

// serveClaim serves the first payment that fits, unless one of them was
// served already, in which case its access email goes out again.
func (s *Service) serveClaim(ctx context.Context, c Claim, fits []Charge) (ClaimResult, error) {
	var res ClaimResult
	var fulfilled bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		served, err := servedOrder(ctx, tx, c, fits)
		if err != nil {
			return err
		}
		if served.ID != 0 {
			res, err = s.resendAccess(ctx, tx, served, c)
			return err
		}
		p := c.claimedPayment(fits[0])
		out, err := s.FulfillTx(ctx, tx, p, ViaClaim)
		if errors.Is(err, ErrUnmatched) {
			// The customer's payment, of an amount no plan costs: a person
			// finishes it (the sweep queues it), and the payer hears so.
			_, err = s.QueueHoldingEmailTx(ctx, tx, Order{}, p, HoldPlanUnknown)
			res = ClaimResult{Outcome: ClaimHeld, SentTo: visibleTo(p.Email, c)}
			return err
		}
		if err != nil {
			return err
		}
		fulfilled = out.Fulfilled
		res, err = s.claimOutcome(ctx, tx, c, p, out)
		return err
	})
	if err != nil {
		return ClaimResult{}, err
	}
	if fulfilled {
		s.faults.Hit(fault.FulfillAfterCommit)
	}
	s.logger.InfoContext(ctx, "claim answered", "outcome", res.Outcome, "payment_intent", fits[0].PaymentIntentID)
	return res, nil
}

// servedOrder returns the served order of the first fitting payment that
// has one, or the zero Order.
func servedOrder(ctx context.Context, tx Tx, c Claim, fits []Charge) (Order, error) {
	for _, ch := range fits {
		id, err := tx.FindOrderForPayment(ctx, c.claimedPayment(ch))
		if apperr.Is(err, apperr.NotFound) {
			continue
		}
		if err != nil {
			return Order{}, err
		}
		o, err := tx.LockOrder(ctx, id)
		if err != nil {
			return Order{}, err
		}
		if o.Served() {
			return o, nil
		}
	}
	return Order{}, nil
}

func (s *Service) claimOutcome(ctx context.Context, tx Tx, c Claim, p PaidCheckout, out Outcome) (ClaimResult, error) {
	switch {
	case out.Already:
		return s.resendAccess(ctx, tx, out.Order, c)
	case out.Fulfilled:
		return ClaimResult{Outcome: ClaimServed, SentTo: visibleTo(out.Order.Email, c)}, nil
	case out.Unserved != "":
		return ClaimResult{Outcome: ClaimNotServed, Unserved: out.Unserved}, nil
	}
	return ClaimResult{Outcome: ClaimHeld, SentTo: visibleTo(firstNonEmpty(p.Email, out.Order.Email), c)}, nil
}

// visibleTo is addr when the customer typed it themselves, else "": a page
// never shows an address the customer did not give.
func visibleTo(addr string, c Claim) string {
	if strings.EqualFold(strings.TrimSpace(addr), c.Email) {
		return addr
	}
	return ""
}
