package resolve

// RefundReason is why staff refund a payment, chosen from a list: it
// decides what the processor is told, whether the period the payment
// granted is withdrawn, and the words of the refund_issued email.
type RefundReason string

const (
	// ReasonDuplicate: the customer was charged twice; the extra payment
	// is refunded and any period it granted is withdrawn.
	ReasonDuplicate RefundReason = "duplicate"
	// ReasonRequestedByCustomer: the customer wants their money back, and
	// gives back the access it bought.
	ReasonRequestedByCustomer RefundReason = "requested_by_customer"
	// ReasonFraudulent: the card holder did not make the payment; the
	// access it bought is withdrawn.
	ReasonFraudulent RefundReason = "fraudulent"
	// ReasonCannotServe: a payment we cannot serve (no plan costs that
	// amount, a payer we cannot identify); it granted nothing.
	ReasonCannotServe RefundReason = "cannot_serve"
	// ReasonOverpaid: the customer paid more than the price; the
	// difference goes back and access stays.
	ReasonOverpaid RefundReason = "overpaid"
	// ReasonGoodwill: money back for the trouble; access stays.
	ReasonGoodwill RefundReason = "goodwill"
)

type reasonInfo struct {
	label     string // the form's words
	processor string // Stripe's refund reason, or ""
	withdraws bool   // a full refund takes back the period the payment granted
	// stops says a full refund cancels the subscription the payment paid
	// for: the customer is not to be charged for it again.
	stops    bool
	short    string // the reason in a list: "a duplicate"
	customer string // after "We have refunded $X for your Plan order: "
}

var reasons = map[RefundReason]reasonInfo{
	ReasonDuplicate: {"Charged twice: refund the extra payment", "duplicate", true, true, "a duplicate",
		"you were charged twice, and this gives you back the extra payment"},
	ReasonRequestedByCustomer: {"The customer asked for their money back", "requested_by_customer", true, true, "the customer's request",
		"you asked for your money back"},
	ReasonFraudulent: {"Fraud: the card holder did not make it", "fraudulent", true, true, "fraud",
		"the payment was not made by the holder of the card"},
	ReasonCannotServe: {"We cannot serve this payment", "", false, true, "a payment we cannot serve",
		"we could not match your payment to anything we sell, so we are giving it back"},
	ReasonOverpaid: {"Paid more than the price: refund the difference", "", false, false, "overpaying",
		"you paid more than the price, and this gives you back the difference"},
	ReasonGoodwill: {"Goodwill, for the trouble", "", false, false, "goodwill",
		"we are sorry for the trouble you had"},
}

// reasonOrder is the order the form lists the reasons in.
var reasonOrder = []RefundReason{
	ReasonDuplicate, ReasonRequestedByCustomer, ReasonOverpaid, ReasonCannotServe, ReasonGoodwill, ReasonFraudulent,
}

// ReasonOption is one entry of the refund form's list.
type ReasonOption struct {
	Value RefundReason
	Label string
	// WithdrawsAccess says a full refund for this reason takes back the
	// period the payment granted.
	WithdrawsAccess bool
	// StopsRenewal says a full refund for this reason cancels the
	// subscription the payment paid for; Short names the reason in a list.
	StopsRenewal bool
	Short        string
}

// RefundReasons lists the reasons for the refund form, in its order.
func RefundReasons() []ReasonOption {
	out := make([]ReasonOption, len(reasonOrder))
	for i, r := range reasonOrder {
		out[i] = ReasonOption{Value: r, Label: reasons[r].label, WithdrawsAccess: reasons[r].withdraws,
			StopsRenewal: reasons[r].stops, Short: reasons[r].short}
	}
	return out
}
