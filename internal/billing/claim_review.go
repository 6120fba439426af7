package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/apperr"
)

// reviewClaim is a claim that fits a payment on amount, day and card (or
// receipt number) but not on email. It is never served to the address the
// customer typed: it opens a claim_review mismatch with the claim's words
// beside the payment's facts, and tells the customer, by email to the
// address they typed, that a person will check it.
//
// The mismatch has no subject time on purpose: the sweep closes open
// mismatches whose subject time its window covers and that its diff no
// longer shows, and a claim is a person's word, never in the diff. Its
// subject is the payment and the claimant, so two people claiming one
// payment are two cases, and one person claiming twice is one.
func (s *Service) reviewClaim(ctx context.Context, c Claim, ch Charge) (ClaimResult, error) {
	claimant := strings.ToLower(c.Email)
	m := MismatchReport{
		Kind: KindClaimReview, Subject: "claim:" + ch.PaymentIntentID + ":" + claimant,
		Email: claimant, PaymentIntentID: ch.PaymentIntentID, ChargeID: ch.ID,
		Amount: ch.Amount, Currency: ch.Currency, Evidence: claimEvidence(c, ch, s.now()),
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		if id, err := tx.FindOrderForPayment(ctx, c.claimedPayment(ch)); err == nil {
			m.OrderID = id
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if _, err := tx.OpenMismatch(ctx, m); err != nil {
			return err
		}
		_, err := tx.QueueEmail(ctx, Email{
			Template: "claim_received", To: c.Email, DedupeKey: m.Subject + ":claim_received",
			Amount: FormatMoney(c.Amount, ch.Currency), PaidOn: c.Day,
		})
		if err != nil {
			return fmt.Errorf("queue claim_received for %s: %w", ch.PaymentIntentID, err)
		}
		return nil
	})
	if err != nil {
		return ClaimResult{}, err
	}
	s.logger.InfoContext(ctx, "claim queued for a person", "payment_intent", ch.PaymentIntentID, "charge", ch.ID)
	return ClaimResult{Outcome: ClaimReview, SentTo: c.Email}, nil
}

// claimEvidence is what the person reviewing the claim reads: the payment
// as the processor had it when the claim came in (under "payment", which
// the console shows first), the claim in the customer's own words, and a
// sentence that puts the two side by side.
func claimEvidence(c Claim, ch Charge, now time.Time) map[string]any {
	charge := chargeEvidence(ch)
	charge["receipt_email"] = ch.ReceiptEmail
	charge["billing_email"] = ch.BillingEmail
	charge["customer_email"] = ch.CustomerEmail
	charge["card_last_four"] = ch.Last4
	charge["receipt_number"] = ch.ReceiptNumber
	on := []string{"amount", "day"}
	if c.Last4 != "" {
		on = append(on, "card's last four")
	}
	if c.Receipt != "" {
		on = append(on, "receipt number")
	}
	return map[string]any{
		"claim": map[string]any{
			"email": c.Typed.Email, "amount": c.Typed.Amount, "date": c.Typed.Date,
			"last_four": c.Typed.Last4, "receipt_number": c.Typed.Receipt, "claimed_at": now.UTC(),
		},
		"payment":    charge,
		"matched_on": strings.Join(on, ", "),
		"summary": fmt.Sprintf("%s says they paid %s on %s%s. The processor's charge %s fits on %s, but its addresses are %s.",
			c.Typed.Email, FormatMoney(c.Amount, ch.Currency), c.Typed.Date, cardWords(c), ch.ID,
			strings.Join(on, ", "), addressWords(ch)),
	}
}

func cardWords(c Claim) string {
	var parts []string
	if c.Last4 != "" {
		parts = append(parts, "with a card ending "+c.Last4)
	}
	if c.Receipt != "" {
		parts = append(parts, "receipt "+c.Typed.Receipt)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func addressWords(ch Charge) string {
	var out []string
	for _, a := range []struct{ what, addr string }{
		{"receipt", ch.ReceiptEmail}, {"billing", ch.BillingEmail}, {"customer", ch.CustomerEmail},
	} {
		if a.addr != "" {
			out = append(out, a.what+" "+a.addr)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
