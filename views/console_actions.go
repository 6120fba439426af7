package views

import (
	"slices"
	"strings"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/resolve"
)

// CaseActions is the actions region of a mismatch's page: the forms that
// fit it, and what the processor's facts, read for the page, say of the
// money actions before anyone clicks (each action checks again then).
type CaseActions struct {
	ID        int64
	Kind      string
	Status    string // only an open mismatch offers more than a note
	Version   int    // every form posts it back: a stale page is refused
	CSRFToken string
	// Offered are the actions that fit, in resolve.Actions' order.
	Offered []resolve.Action
	Reasons []resolve.ReasonOption
	// Verdict is the processor's facts judged; Judged is false when the
	// processor was not asked for this page or could not be reached.
	Verdict resolve.Verdict
	Judged  bool
	// LinkedEmail is the account Link account named, or "".
	LinkedEmail string
	ClaimedBy   string
	Mine        bool // the signed-in person holds the claim
	// Granted says the mismatch's order was served, so a full refund for a
	// reason that withdraws access takes back the period it granted.
	Granted bool
	// Subscription is the subscription the payment paid for, "" when
	// none: a full refund that ends the purchase cancels it.
	Subscription string
	// Refusal is the words of an action just refused.
	Refusal string
	// Back is the customer page the forms are on and return to, "" on
	// the mismatch's own page. A customer page may hold several
	// mismatches' actions, so their element ids carry the mismatch's.
	Back string
}

// CaseState is what a page knows of a mismatch to offer its actions.
type CaseState struct {
	ID          int64
	Kind        string
	Status      string
	Version     int
	LinkedEmail string
	ClaimedBy   string
	Granted     bool
	// Subscription is the subscription the mismatch's payment paid for.
	Subscription string
}

// NewCaseActions is the actions region of a mismatch for the person signed
// in to shell, as every page showing it offers them: an open mismatch the
// actions its kind fits, a closed one only a note. The page adds the
// processor's verdict, a refusal and where the forms return.
func NewCaseActions(shell ConsoleShell, m CaseState) CaseActions {
	a := CaseActions{
		ID: m.ID, Kind: m.Kind, Status: m.Status, Version: m.Version, CSRFToken: shell.CSRFToken,
		LinkedEmail: m.LinkedEmail, ClaimedBy: m.ClaimedBy, Mine: m.ClaimedBy != "" && m.ClaimedBy == shell.Email,
		Granted: m.Granted, Subscription: m.Subscription,
	}
	if a.open() {
		a.Offered, a.Reasons = resolve.Actions(m.Kind), resolve.RefundReasons()
	} else {
		a.Offered = []resolve.Action{resolve.ActionNote} // a note is taken on a closed mismatch too
	}
	return a
}

// ActionRefusalID is the element an htmx action's refusal replaces.
const ActionRefusalID = "action-refusal"

// RefundAmountHelp is what the refund form says of an amount it cannot
// read: console.js as it is typed, the handler when it is sent.
const RefundAmountHelp = "Type the amount to refund as 249 or 249.00, or leave it blank to refund all that is left."

func (a CaseActions) offers(x resolve.Action) bool { return slices.Contains(a.Offered, x) }

func (a CaseActions) open() bool { return a.Status == "open" }

// domID is an element id of the actions region, unique on the page.
func (a CaseActions) domID(base string) string {
	if a.Back == "" {
		return base
	}
	return base + "-" + itoa(int(a.ID))
}

// CustomerRefusalID is the element a refusal replaces when the action was
// posted from a customer page.
func CustomerRefusalID(mismatchID int64) string {
	return CaseActions{ID: mismatchID, Back: "customer"}.domID(ActionRefusalID)
}

func actionURL(id int64, path string) string { return MismatchURL(id) + "/" + path }

// defaultReasons preselects the refund reason a kind almost always has;
// the others make the person choose.
var defaultReasons = map[string]resolve.RefundReason{
	billing.KindDuplicatePayment: resolve.ReasonDuplicate,
	billing.KindIdentityUnknown:  resolve.ReasonCannotServe,
	billing.KindOrphanPayment:    resolve.ReasonCannotServe,
	billing.KindAmountMismatch:   resolve.ReasonOverpaid,
}

// refundWords are the pieces of the refund's confirmation. The page shows
// the sentence for the preselected reason and a blank amount; console.js
// puts the pieces together again as the amount and the reason change, and
// asks with the same sentence before the refund is sent.
type refundWords struct {
	All, Part, Withdraw, Keep, Choose, Bad string
	Left                                   int64
	Prefix, Suffix                         string // how console.js writes a typed amount
}

func (a CaseActions) refundWords() refundWords {
	w := refundWords{
		All:    "This refunds all that is left of the payment to the customer's card",
		Part:   "This refunds {amount} to the customer's card",
		Keep:   "; the customer's access stays as it is.",
		Choose: ". Choose a reason: some take back the access the payment bought.",
		Bad:    RefundAmountHelp,
		Left:   a.Verdict.Refundable,
		Prefix: "$",
	}
	if a.Judged && a.Verdict.Refundable > 0 {
		left := amountOf(a.Verdict.Refundable, a.Verdict.Currency)
		w.All = "This refunds all that is left, " + left + ", to the customer's card"
		w.Part = "This refunds {amount} of the " + left + " left to the customer's card"
	}
	if c := a.Verdict.Currency; c != "" && c != "usd" {
		w.Prefix, w.Suffix = "", " "+strings.ToUpper(c)
	}
	w.Withdraw = ", and withdraws the period this payment granted: the customer's access ends that much sooner."
	if !a.Granted {
		w.Withdraw = "; this payment bought no access we gave, so none is withdrawn."
		w.Keep, w.Choose = w.Withdraw, w.Withdraw
	}
	return w
}

// renewalWords say what a full refund does to the subscription the payment
// paid for; "" when it paid for none.
func (a CaseActions) renewalWords() string {
	if a.Subscription == "" {
		return ""
	}
	var ends []string
	for _, o := range a.Reasons {
		if o.StopsRenewal {
			ends = append(ends, o.Short)
		}
	}
	return "This payment paid for subscription " + a.Subscription + ". A full refund for " + joinOr(ends) +
		" also cancels it at the processor, so the customer is not charged for it again; for another reason it keeps renewing."
}

// joinOr is "a, b or c".
func joinOr(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// refundSentence is the confirmation for a blank amount and the
// preselected reason.
func (a CaseActions) refundSentence() string {
	w := a.refundWords()
	r, ok := defaultReasons[a.Kind]
	if !ok {
		return w.All + w.Choose
	}
	for _, o := range a.Reasons {
		if o.Value == r && o.WithdrawsAccess {
			return w.All + w.Withdraw
		}
	}
	return w.All + w.Keep
}

func reasonLabel(o resolve.ReasonOption) string {
	if o.WithdrawsAccess {
		return o.Label + " (withdraws access)"
	}
	return o.Label
}
