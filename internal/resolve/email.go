package resolve

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/store"
)

// queueResolution queues the support_resolution email to the customer a
// person just served: an apology from that person saying what happened,
// what they did and that nothing is left to do. The template adds the
// reference and how to reply. One per mismatch, whatever retries.
func (s *Service) queueResolution(ctx context.Context, tx Tx, req Request, m store.MismatchState, f facts,
	o billing.Order, plan billing.Plan, until time.Time) (bool, error) {
	amount := billing.FormatMoney(f.Payment.Amount, f.currency())
	var msg strings.Builder
	fmt.Fprintf(&msg, "I'm %s from support. %s\n\n", displayName(req.Actor.Email), whatHappened(m.Kind, amount))
	fmt.Fprintf(&msg, "I have checked your payment with our payment processor and switched on your %s access myself. "+
		"It runs until %s, for %s.", plan.Name, day(until), o.Email)
	if r := f.Charge.AmountRefunded; r > 0 {
		fmt.Fprintf(&msg, " %s of your payment has been refunded to your card.", billing.FormatMoney(r, f.currency()))
	}
	msg.WriteString("\n\nYou do not need to do anything else, and you have not been charged again.")
	id := o.ID
	return tx.QueueMail(ctx, mail.QueueRequest{
		Template: mail.SupportResolution, To: o.Email, OrderID: &id,
		DedupeKey: fmt.Sprintf("mismatch:%d:%s", m.ID, mail.SupportResolution),
		Data: mail.Data{
			PlanName: plan.Name, Amount: amount, PublicRef: o.PublicRef, StatusURL: s.billing.StatusURL(o.PublicRef),
			ValidUntil: day(until), Message: msg.String(), StaffName: displayName(req.Actor.Email),
		},
	})
}

// whatHappened tells the customer, in a sentence, why a person had to
// finish their order.
func whatHappened(kind, amount string) string {
	switch kind {
	case billing.KindIdentityUnknown:
		return "Your payment of " + amount + " reached us without an email address we could match, " +
			"so our system could not tell whose it was and could not switch on your access."
	case billing.KindClaimReview:
		return "The payment of " + amount + " you told us about was made with another email address, " +
			"so a person had to check it before it could be matched to you."
	case billing.KindAmountMismatch:
		return "The amount of your payment of " + amount + " did not match the price of the plan, " +
			"so our system held your order for a person to check."
	}
	return "Your payment of " + amount + " reached us, but our system did not finish your order, " +
		"so your access was not switched on."
}

// refundEmail is the refund_issued email about one refund.
type refundEmail struct {
	to     string
	order  *billing.Order // the order it is about, if any
	ref    string         // the reference shown without an order: the payment's id
	plan   string
	amount string
	reason string
	key    string
}

// queueRefund queues refund_issued; with no address to write to it queues
// nothing and reports false.
func (s *Service) queueRefund(ctx context.Context, tx Tx, e refundEmail) (bool, error) {
	if e.to == "" {
		return false, nil
	}
	req := mail.QueueRequest{
		Template: mail.RefundIssued, To: e.to, DedupeKey: e.key,
		Data: mail.Data{PlanName: e.plan, Amount: e.amount, Reason: e.reason, PublicRef: e.ref, StatusURL: s.baseURL + "/status"},
	}
	if o := e.order; o != nil {
		id := o.ID
		req.OrderID = &id
		req.Data.PublicRef, req.Data.StatusURL = o.PublicRef, s.billing.StatusURL(o.PublicRef)
	}
	return tx.QueueMail(ctx, req)
}
