package views

import "github.com/a-h/templ"

// ClaimView is /claim (DESIGN section 7, Claim my purchase): the form,
// or after a submit the outcome. Outcome is "" for the form, else one of
// billing's Claim outcomes (served, already, review, held, not_served,
// no_match) or "limited" after too many attempts.
//
// Nothing here may tell whether an address has bought when no payment
// fits: the no_match page shows the amount and day the customer typed and
// nothing else of theirs, so it is the same for every address.
type ClaimView struct {
	Form         ClaimFormValues
	Errors       ClaimErrors
	Outcome      string
	SupportEmail string
	// SentTo is the address an email went to, when the customer typed it;
	// empty when it went to another address on the payment.
	SentTo string
	// Resent: already, a copy of the access email was sent now (false:
	// one was already sent again within the hour).
	Resent bool
	// Unserved is refunded or disputed, for not_served.
	Unserved string
	// Amount and Day are the customer's claim, formatted ("$249.00",
	// "1 December 2026"), for no_match.
	Amount string
	Day    string
}

// ClaimFormValues is what the form shows in its fields.
type ClaimFormValues struct {
	Email, Amount, Date, Last4, Receipt string
}

// ClaimErrors are the messages beside the form's fields; each is written
// for the customer.
type ClaimErrors struct {
	Email, Amount, Date, Last4, Receipt string
}

func (v ClaimView) title() string {
	switch v.Outcome {
	case "served":
		return "Your account is ready"
	case "already":
		return "You already have access"
	case "review":
		return "A person will check your payment"
	case "held":
		return "We have your payment"
	case "not_served":
		if v.Unserved == "disputed" {
			return "This payment is disputed"
		}
		return "This payment was refunded"
	case "no_match":
		return "We could not find that payment"
	case "limited":
		return "Please wait a little"
	}
	return "Claim my purchase"
}

// StatusEmailView is the answer to POST /status: the same words for every
// address, whether or not it has bought anything.
type StatusEmailView struct {
	SupportEmail string
}

// claimField is one input of the claim form.
type claimField struct {
	Name, Label, Type, Value, Hint, Error string
	// Attrs are the input's other attributes (autocomplete, inputmode, …).
	Attrs templ.Attributes
}

func (f claimField) id() string { return "claim-" + f.Name }

// fields are the form's inputs, in order, with what was typed and why it
// was refused.
func (v ClaimView) fields() []claimField {
	return []claimField{
		{Name: "email", Label: "The email you paid with", Type: "email", Value: v.Form.Email, Error: v.Errors.Email,
			Hint:  "The one on your receipt, if you have it.",
			Attrs: templ.Attributes{"required": true, "autocomplete": "email", "inputmode": "email", "spellcheck": "false"}},
		{Name: "amount", Label: "The amount on your statement", Type: "text", Value: v.Form.Amount, Error: v.Errors.Amount,
			Hint:  "In dollars and cents, like 249.00.",
			Attrs: templ.Attributes{"required": true, "inputmode": "decimal", "autocomplete": "off"}},
		{Name: "date", Label: "The day of the charge", Type: "date", Value: v.Form.Date, Error: v.Errors.Date,
			Attrs: templ.Attributes{"required": true}},
		{Name: "last4", Label: "The card's last four digits (optional)", Type: "text", Value: v.Form.Last4, Error: v.Errors.Last4,
			Attrs: templ.Attributes{"inputmode": "numeric", "maxlength": "4", "autocomplete": "off", "pattern": "[0-9]{4}"}},
		{Name: "receipt", Label: "The receipt number (optional)", Type: "text", Value: v.Form.Receipt, Error: v.Errors.Receipt,
			Hint:  "On the receipt email, like 1234-5678.",
			Attrs: templ.Attributes{"autocomplete": "off", "spellcheck": "false"}},
	}
}
