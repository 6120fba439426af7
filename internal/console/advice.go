package console

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/store"
)

// Advice is a mismatch in words: what is wrong, and what to do about it.
type Advice struct {
	Problem string
	Action  string
}

// kindLabels name each kind for people, in DESIGN section 6's order.
var kindLabels = map[string]string{
	billing.KindOrphanPayment:    "Payment without an order",
	billing.KindStuckPending:     "Paid, order still pending",
	billing.KindUnpaidFulfilled:  "Served without a payment",
	billing.KindRefundedActive:   "Refunded, access still on",
	billing.KindDisputed:         "Disputed",
	billing.KindDuplicatePayment: "Paid twice",
	billing.KindAmountMismatch:   "Amount differs from the plan",
	billing.KindIdentityUnknown:  "Payment without a usable email",
	billing.KindExpiredPending:   "Checkout expired",
	billing.KindClaimReview:      "Claim to check",
	billing.KindStatusMismatch:   "Our status, not the processor's",
	billing.KindEventFailed:      "Processor event not handled",
	billing.KindUnservedRenewal:  "Renewal paid, period not granted",
	billing.KindLapsedUnpaid:     "Renewal unpaid, access still on",
}

// KindLabel names a kind of mismatch for people; an unknown kind is shown
// as it is stored.
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

// Explain says in plain words what is wrong with m and what the person
// should do, from its kind and what we know of it. A mismatch that is no
// longer open says how it ended instead. now dates a dispute's deadline.
func Explain(m store.MismatchSummary, now time.Time) Advice {
	paid := "a payment"
	if a := Money(m.Amount, m.Currency); a != "" {
		paid = "a payment of " + a
	}
	from := ""
	if m.Email != "" {
		from = " from " + m.Email
	}
	who := "The customer"
	if m.Email != "" {
		who = m.Email
	}
	order := "the order"
	if m.PublicRef != "" {
		order = "order " + m.PublicRef
	}
	adv := explainOpen(m, words{paid: paid, from: from, who: who, order: order}, now)
	if m.Status != "open" {
		adv.Action = closedAction(m)
	}
	return adv
}

// words are the parts Explain's sentences are made of.
type words struct {
	paid  string // "a payment of $249.00"
	from  string // " from ana@example.com", or ""
	who   string // "ana@example.com", or "The customer"
	order string // "order BK-…", or "the order"
}

func explainOpen(m store.MismatchSummary, w words, now time.Time) Advice {
	paid, from, order := w.paid, w.from, w.order
	switch m.Kind {
	case billing.KindOrphanPayment:
		return Advice{
			Problem: upper(paid) + from + " succeeded at the processor, but we have no order for it and could not tell which plan it bought.",
			Action:  "Ask the customer what they meant to buy; refund it if no plan fits (Verify & provision needs a plan of exactly that amount).",
		}
	case billing.KindStuckPending:
		return Advice{
			Problem: w.who + " paid, but " + order + " is still pending: charged and not served.",
			Action:  "Verify & provision: it re-checks the payment at the processor, then serves the customer and emails them.",
		}
	case billing.KindUnpaidFulfilled:
		return Advice{
			Problem: upper(order) + from + " was served, but the processor shows no succeeded payment for it.",
			Action:  "Compare our side with the processor's. Access is never taken away automatically; dismiss with a reason if it was paid another way.",
		}
	case billing.KindRefundedActive:
		return Advice{
			Problem: upper(paid) + from + " was refunded in full, but the customer still has access.",
			Action:  "Decide whether access should end; dismiss with a reason if keeping it was intended.",
		}
	case billing.KindDisputed:
		return Advice{
			Problem: w.who + " disputed " + paid + " with their bank; " + Deadline(m.EvidenceDueBy, now) + ".",
			Action:  "Answer at the processor before the deadline, with the order, emails and timeline on this mismatch's page as evidence.",
		}
	case billing.KindDuplicatePayment:
		return Advice{
			Problem: upper(paid) + from + " repeats an earlier payment for the same plan within 24 hours: the customer was charged twice.",
			Action:  "Refund this extra payment; the customer keeps the access the first one bought.",
		}
	case billing.KindAmountMismatch:
		return Advice{
			Problem: upper(paid) + from + " does not match the plan's price" + expected(m) + ", so it was not served automatically.",
			Action:  "Refund it; if the customer paid too much, refund the difference, then Verify & provision.",
		}
	case billing.KindIdentityUnknown:
		return Advice{
			Problem: upper(paid) + " succeeded, but it carries no email we can use, so nobody could be served or told.",
			Action:  "Find who paid (the support inbox, the card's last four digits, the amount and time), then Link account and Verify & provision.",
		}
	case billing.KindClaimReview:
		return Advice{
			Problem: w.who + " claims " + paid + " as theirs on Claim my purchase: it fits the amount, the day and the card or receipt they gave, but it was made with another email address, so it was not served to them.",
			Action:  "Compare the claim's words with the payment's addresses in the evidence; if it is theirs, Link account to their address, then Verify & provision. If not, dismiss it with a reason and write to them.",
		}
	case billing.KindStatusMismatch:
		return Advice{
			Problem: "We mark " + order + from + " refunded or disputed, but the processor says " + paid + " is neither, so our status rests on no fact of theirs.",
			Action:  "Compare the two sides below; nothing was taken from the customer. Dismiss it with a reason once the order's status is right: the next sweep closes it by itself when the processor and we agree.",
		}
	case billing.KindExpiredPending:
		return Advice{
			Problem: "The checkout for " + order + from + " expired without a payment.",
			Action:  "Nothing is owed: the order is marked expired. Dismiss it if it is still here.",
		}
	case billing.KindEventFailed:
		return Advice{
			Problem: "A processor event kept failing to be handled, so after repeated tries (about five hours) Backstop stopped trying and left it to you.",
			Action:  "Read the event's id, type and last error in the evidence and look its object up at the processor; put right what it was about, then dismiss this with what you did.",
		}
	case billing.KindUnservedRenewal:
		return Advice{
			Problem: "The processor says this subscription's renewal invoice is paid, but the customer's access was not extended for that period.",
			Action:  "Nothing to click if it healed: the sweep grants the period through the usual path and sends the renewal receipt. If it is still open, compare the invoice at the processor with the customer's access.",
		}
	case billing.KindLapsedUnpaid:
		return Advice{
			Problem: "The subscription's renewal was not paid within the grace period (or the processor ended it unpaid), yet the customer still has access.",
			Action:  "Check the invoice at the processor: if it is paid, the next sweep grants it; if not, the customer was sent the invoice link, and access ends at the grace.",
		}
	}
	return Advice{
		Problem: "Reconciliation found a mismatch of kind " + m.Kind + ".",
		Action:  "Open it to compare our side with the processor's.",
	}
}

func closedAction(m store.MismatchSummary) string {
	how := map[string]string{"auto_resolved": "Resolved automatically", "resolved": "Resolved", "dismissed": "Dismissed"}[m.Status]
	if how == "" {
		how = upper(m.Status)
	}
	if m.Resolution != "" {
		return "Nothing to do. " + how + ": " + m.Resolution + "."
	}
	return "Nothing to do. " + how + "."
}

func expected(m store.MismatchSummary) string {
	if e := Money(m.ExpectedAmount, m.ExpectedCurrency); e != "" {
		return " (" + e + ")"
	}
	return ""
}

// Deadline says how long is left to answer a dispute, in whole days.
func Deadline(due *time.Time, now time.Time) string {
	if due == nil {
		return "the processor gave no evidence deadline"
	}
	left := due.Sub(now)
	on := due.UTC().Format("2 Jan 2006")
	switch days := int(math.Ceil(left.Hours() / 24)); {
	case left <= 0:
		return "the evidence deadline passed on " + on
	case days <= 1:
		return fmt.Sprintf("evidence is due within a day (%s)", due.UTC().Format("2 Jan 15:04 UTC"))
	default:
		return fmt.Sprintf("evidence is due in %d days (%s)", days, on)
	}
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
