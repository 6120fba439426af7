package stripesim

import (
	"github.com/backstophq/backstop/internal/billing"
	"net/http"
	"strings"
	"time"
)

// The money flows behind the hosted page and the control API. Each runs
// under s.mu and emits the events Stripe would, in Stripe's order.

// Test cards, as in Stripe's docs.
const (
	cardSucceeds   = "4242424242424242"
	cardMastercard = "5555555555554444" // succeeds too, with another last4
	cardDeclines   = "4000000000000002"
	cardNoFunds    = "4000000000009995"
	// cardFailsLater (renew.go) pays a subscription's first invoice and
	// declines every renewal.
)

// checkCard returns nil for a card that pays, or the card_error Stripe
// answers for it.
func checkCard(number string) *apiError {
	number = strings.NewReplacer(" ", "", "-", "").Replace(number)
	switch number {
	case cardSucceeds, cardMastercard:
		return nil
	case cardDeclines:
		return cardDeclined("generic_decline", "Your card was declined.")
	case cardNoFunds:
		return cardDeclined("insufficient_funds", "Your card has insufficient funds.")
	case cardFailsLater:
		return cardDeclined("card_declined", "Your card was declined.")
	}
	return &apiError{Status: http.StatusPaymentRequired, Body: errorBody{Type: "card_error", Code: "incorrect_number",
		Message: "Your card number is incorrect. Use 4242 4242 4242 4242 (succeeds) or 4000 0000 0000 0002 (declines)."}}
}

// paymentResult is what the hosted page and POST /_sim/checkout/{id}/pay report.
type paymentResult struct {
	PaymentIntent string `json:"payment_intent"`
	Charge        string `json:"charge"`
	Redirect      string `json:"redirect,omitempty"`
}

// payCheckout pays an open session with a test card. A declined card fails
// the attempt (payment_intent.payment_failed) and leaves the session open.
func (s *Server) payCheckout(rec *sessionRecord, card, email string) (paymentResult, *apiError) {
	sess := rec.Session
	if sess.Status != "open" {
		return paymentResult{}, invalid("session", "This Checkout Session is %s and can no longer be paid.", sess.Status)
	}
	if email == "" {
		email = deref(sess.CustomerEmail)
	}
	if sess.Mode == "subscription" {
		return s.paySubscriptionCheckout(rec, card, email)
	}
	pi := s.attemptIntent(rec, email)
	if err := checkCard(card); err != nil {
		pi.Status, pi.LastPaymentError = "requires_payment_method", &err.Body
		s.emit(billing.EventPaymentFailed, pi, eventRequest{})
		return paymentResult{}, err
	}
	ch := s.succeed(pi, payer{receipt: email, billing: email, last4: last4Of(card)})
	sess.Status, sess.PaymentStatus, sess.PaymentIntent = "complete", "paid", &pi.ID
	sess.CustomerDetails = &customerDetails{Email: optional(email)}
	sess.URL = nil
	s.emit(billing.EventCheckoutCompleted, sess, eventRequest{})
	redirect := strings.ReplaceAll(sess.SuccessURL, "{CHECKOUT_SESSION_ID}", sess.ID)
	return paymentResult{PaymentIntent: pi.ID, Charge: ch.ID, Redirect: redirect}, nil
}

// paySubscriptionCheckout pays a subscription-mode session: a declined card
// leaves it open with no subscription; a good one starts the subscription
// with its first invoice paid and completes the session, whose
// payment_intent stays null (the payment is the invoice's).
func (s *Server) paySubscriptionCheckout(rec *sessionRecord, card, email string) (paymentResult, *apiError) {
	sess := rec.Session
	if normalCard(card) != cardFailsLater {
		if err := checkCard(card); err != nil {
			return paymentResult{}, err
		}
	}
	sr, inv, ch := s.startSubscription(rec, card, email)
	sess.Status, sess.PaymentStatus = "complete", "paid"
	sess.Subscription, sess.Invoice = &sr.Sub.ID, &inv.ID
	sess.CustomerDetails = &customerDetails{Email: optional(email)}
	sess.URL = nil
	s.emit(billing.EventCheckoutCompleted, sess, eventRequest{})
	redirect := strings.ReplaceAll(sess.SuccessURL, "{CHECKOUT_SESSION_ID}", sess.ID)
	return paymentResult{PaymentIntent: deref(inv.PaymentIntent), Charge: ch.ID, Redirect: redirect}, nil
}

// attemptIntent returns the session's payment intent, creating it on the
// first attempt: at API 2023-10-16 Checkout makes it only on confirmation.
func (s *Server) attemptIntent(rec *sessionRecord, email string) *paymentIntent {
	if pi, ok := s.st.PaymentIntents.get(rec.AttemptPI); ok {
		pi.ReceiptEmail = optional(email)
		return pi
	}
	pi := s.newIntent(rec.Session.AmountTotal, rec.Session.Currency, email, rec.PIMetadata)
	pi.Description = rec.PIDesc
	rec.AttemptPI = pi.ID
	return pi
}

func (s *Server) newIntent(amount int64, currency, email string, meta map[string]string) *paymentIntent {
	pi := &paymentIntent{
		ID: newID("pi_", 24), Object: "payment_intent", Amount: amount, CaptureMethod: "automatic",
		Created: s.now().Unix(), Currency: strings.ToLower(currency), Metadata: cloneMap(meta),
		PaymentMethodTypes: []string{"card"}, ReceiptEmail: optional(email), Status: "requires_payment_method",
	}
	s.st.PaymentIntents.add(pi)
	s.dirty = true
	return pi
}

// payer is what a charge records of who paid and with what card: the
// receipt address (copied from the payment intent, as at Stripe), the card's
// billing address and its last four digits.
type payer struct {
	receipt, billing, last4 string
}

// last4Of is the last four digits of a test card number as typed.
func last4Of(number string) string {
	number = strings.NewReplacer(" ", "", "-", "").Replace(number)
	if len(number) < 4 {
		return number
	}
	return number[len(number)-4:]
}

// brandOf names the brand of a test card by its last four digits.
func brandOf(last4 string) string {
	if last4 == cardMastercard[12:] {
		return "mastercard"
	}
	return "visa"
}

// succeed charges pi in full and emits charge.succeeded then
// payment_intent.succeeded.
func (s *Server) succeed(pi *paymentIntent, who payer) *charge {
	now := s.now()
	ch := &charge{
		ID: newID("ch_", 24), Object: "charge", Amount: pi.Amount, AmountCaptured: pi.Amount,
		BillingDetails: billingDetails{Email: optional(who.billing)}, Captured: true, Created: now.Unix(),
		Currency: pi.Currency, Description: pi.Description, Metadata: cloneMap(pi.Metadata), Paid: true,
		PaymentIntent: &pi.ID, ReceiptEmail: optional(who.receipt), ReceiptNumber: ptr(newReceiptNumber()),
		PaymentMethodDetails: &paymentMethodDetails{Type: "card", Card: &cardDetails{
			Brand: brandOf(who.last4), ExpMonth: 12, ExpYear: int64(now.Year() + 3), Funding: "credit", Last4: who.last4,
		}},
		Status: "succeeded",
	}
	s.st.Charges.add(ch)
	pi.Status, pi.AmountReceived, pi.LatestCharge, pi.LastPaymentError = "succeeded", pi.Amount, &ch.ID, nil
	s.emit(billing.EventChargeSucceeded, ch, eventRequest{})
	s.emit(billing.EventPaymentSucceeded, pi, eventRequest{})
	return ch
}

// orphanPayment is a succeeded payment made outside any checkout. The
// payment intent's receipt_email is the payer's receipt address, as Stripe
// copies it onto the charge.
func (s *Server) orphanPayment(amount int64, currency string, who payer, meta map[string]string) paymentResult {
	pi := s.newIntent(amount, currency, who.receipt, meta)
	ch := s.succeed(pi, who)
	return paymentResult{PaymentIntent: pi.ID, Charge: ch.ID}
}

// openDispute disputes what is left of ch: the customer's bank took the
// money back pending evidence due in seven days. status is needs_response,
// or warning_needs_response for an inquiry that has not yet become one; an
// inquiry's charge can still be refunded, a chargeback's cannot.
func (s *Server) openDispute(ch *charge, reason, status string) *dispute {
	now := s.now()
	d := &dispute{
		ID: newID("dp_", 24), Object: "dispute", Amount: ch.Amount - ch.AmountRefunded, Charge: ch.ID,
		Created: now.Unix(), Currency: ch.Currency, Metadata: map[string]string{},
		EvidenceDetails:    evidenceDetails{DueBy: now.Add(7 * 24 * time.Hour).Unix()},
		IsChargeRefundable: status == "warning_needs_response",
		PaymentIntent:      ch.PaymentIntent, Reason: reason, Status: status,
	}
	s.st.Disputes.add(d)
	ch.Disputed = true
	s.emit(billing.EventDisputeCreated, d, eventRequest{})
	return d
}

// closeDispute settles an open dispute as won or lost and emits
// charge.dispute.closed. The charge stays marked disputed, as at Stripe.
func (s *Server) closeDispute(d *dispute, status string) *apiError {
	switch d.Status {
	case "won", "lost", "warning_closed":
		return invalid("dispute", "This dispute is already closed (%s).", d.Status)
	}
	if d.EvidenceDetails.DueBy < s.now().Unix() {
		d.EvidenceDetails.PastDue = true
	}
	d.Status, d.IsChargeRefundable = status, false
	s.dirty = true
	s.emit(billing.EventDisputeClosed, d, eventRequest{})
	return nil
}
