package views

import (
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/console"
)

// subscriptionsUnreachable reports whether a subscription went unasked
// because the processor did not answer.
func subscriptionsUnreachable(f console.CustomerFile) bool {
	for _, sub := range f.Subscriptions {
		if sub.Live == nil && !sub.Missing && f.Unreachable {
			return true
		}
	}
	return false
}

// liveSubscriptionWords says what the processor answered about sub for
// this page, beside our status.
func liveSubscriptionWords(sub console.CustomerSubscription, unreachable bool) string {
	switch l := sub.Live; {
	case l != nil && l.Status != sub.Status:
		return "the processor now: " + l.Status + ". They differ: ours is what the processor last told us, and its next event brings ours up to date."
	case l != nil:
		return "the processor now: " + l.Status
	case sub.Missing:
		return "the processor has no such subscription"
	case unreachable:
		return "the processor could not be reached for this page"
	}
	return "the processor was not asked for this page (it asks about a few at most)"
}

// invoiceGrantWords says what an invoice granted, or that it granted
// nothing, why, and what happens next.
func invoiceGrantWords(in console.CustomerInvoice, now time.Time) string {
	switch {
	case in.Granted():
		s := "granted from " + clockPtr(in.PeriodStart) + " to " + clock(*in.GrantedUntil)
		if in.GrantedVia != "" {
			s += " (via " + strings.ReplaceAll(in.GrantedVia, "_", " ") + ")"
		}
		return s
	case in.Status == "paid":
		return "not granted: paid, but its period was never given; the next sweep grants it (an unserved renewal)"
	case in.Status == "open":
		return "not granted: the payment failed. " + graceWords(in.GraceEnd, now) + "; " + invoiceLinkWords(in.FailedEmail) +
			". Paid before the grace ends, the period is granted."
	case in.Status == "uncollectible":
		return "not granted: the processor stopped trying to collect it. " + graceWords(in.GraceEnd, now) + "."
	case in.Status == "void":
		return "not granted: voided, nothing is owed"
	}
	return "not granted: the invoice is " + in.Status
}

// graceWords says how long a failed renewal keeps access.
func graceWords(end, now time.Time) string {
	switch {
	case end.IsZero():
		return "Access is kept through the grace"
	case end.After(now):
		return "Access kept until " + clock(end)
	}
	return "Access ended " + clock(end) + ", when the grace ran out unpaid"
}

// invoiceLinkWords says whether the customer has the invoice's link, from
// the status of its payment_failed email.
func invoiceLinkWords(status string) string {
	switch status {
	case "sent":
		return "the customer was sent the invoice link"
	case "queued":
		return "the email with the invoice link is queued"
	case "failed":
		return "the email with the invoice link could not be sent: resend it from the timeline"
	}
	return "no email with the invoice link was queued"
}

// invoicePeriod is an invoice's period, "—" when the processor gave none.
func invoicePeriod(in console.CustomerInvoice) string {
	if in.PeriodStart == nil || in.PeriodEnd == nil {
		return "—"
	}
	return clock(*in.PeriodStart) + " to " + clock(*in.PeriodEnd)
}
