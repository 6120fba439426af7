package mail

import (
	"reflect"
	"slices"
)

// The template names. Each is one kind of message; DESIGN section 7 says
// when each is sent.
const (
	OrderConfirmation  = "order_confirmation"
	DelayedFulfillment = "delayed_fulfillment"
	PaymentOnHold      = "payment_on_hold"
	SupportResolution  = "support_resolution"
	RefundIssued       = "refund_issued"
	StatusLink         = "status_link"
	ClaimReceived      = "claim_received"
	IncidentApology    = "incident_apology"
	RenewalReceipt     = "renewal_receipt"
	PaymentFailed      = "payment_failed"
	StaffAlert         = "staff_alert"
)

// Names lists every template, in the order the console shows them (DESIGN
// section 7's order).
func Names() []string {
	return []string{
		OrderConfirmation, DelayedFulfillment, PaymentOnHold, SupportResolution,
		RefundIssued, StatusLink, ClaimReceived, IncidentApology, RenewalReceipt, PaymentFailed, StaffAlert,
	}
}

// IsKnown reports whether name is one of the templates.
func IsKnown(name string) bool { return slices.Contains(Names(), name) }

// Data is everything a template can show. It is one typed struct, not a map,
// so that validation can refuse a reference to anything else and rendering
// can never reach outside what the caller put here. Every value is already
// formatted for people (amounts as "$249.00", dates as "30 November 2027").
type Data struct {
	Email        string // the recipient's address
	PlanName     string // the plan's display name, e.g. "Pro (yearly)"
	Amount       string // the amount charged or refunded, formatted
	PublicRef    string // the order's public reference, shown to the customer
	StatusURL    string // the order's status page, absolute
	ValidUntil   string // the end of the access period, formatted
	SupportEmail string // where the customer can write to a person
	Reason       string // why something happened, in plain words
	Message      string // a free message from a person (support_resolution)
	StaffName    string // the person who resolved it
	AlertSubject string // staff_alert: what is wrong, in a line
	AlertBody    string // staff_alert: the details
	// StartedAt is when a new purchase was started (status_link, when a
	// purchase of a plan already bought is why it is sent); empty otherwise.
	StartedAt string
	// Orders are the orders status_link lists, newest first.
	Orders []OrderLine
	// IncidentWindow is when an incident happened, as a phrase, e.g.
	// "between 10:02 and 10:17 UTC on 1 December 2026" (incident_apology).
	IncidentWindow string
	// Outcome is what we did about it for this customer, in plain words
	// (incident_apology).
	Outcome string
	// PaidOn is the day a customer says they paid (claim_received), e.g.
	// "1 December 2026".
	PaidOn string
	// ClaimURL is the Claim my purchase page, absolute: where a customer
	// charged for something they cannot find tells us the amount and day.
	ClaimURL string
	// InvoiceURL is the processor's page for an unpaid invoice, where the
	// customer pays it or changes the card (payment_failed).
	InvoiceURL string
}

// OrderLine is one order in a list, formatted for people.
type OrderLine struct {
	PublicRef string // the order's public reference
	PlanName  string
	Amount    string
	PaidAt    string // when it was paid, e.g. "10:02 UTC on 30 November 2026"
	Status    string // where it stands, in words
	StatusURL string // its status page, absolute
}

// variableDocs documents each field of Data for the template editor. A test
// checks that it names every field and nothing else.
var variableDocs = map[string]string{
	"Email":        "the recipient's email address",
	"PlanName":     "the plan's display name",
	"Amount":       `the amount, formatted (e.g. "$249.00")`,
	"PublicRef":    "the order's public reference",
	"StatusURL":    "the link to the order's status page (staff_alert: the console page)",
	"ValidUntil":   "the date access runs until, formatted",
	"SupportEmail": "the support address",
	"Reason":       "why it happened, in plain words",
	"Message":      "a personal message from support",
	"StaffName":    "the name of the person who helped",
	"AlertSubject": "the alert, in one line",
	"AlertBody":    "the alert's details",
	"StartedAt":    "when the new purchase was started, formatted (empty when the customer asked for the link)",
	"Orders": "the orders, newest first; inside {{range .Orders}}: .PublicRef, .PlanName, .Amount, " +
		".PaidAt, .Status (in words) and .StatusURL of each",
	"IncidentWindow": `when the incident happened, as a phrase (e.g. "between 10:02 and 10:17 UTC on 1 December 2026")`,
	"Outcome":        "what we did about it for this customer, in plain words",
	"PaidOn":         "the day the customer says they paid, formatted",
	"ClaimURL":       "the link to the Claim my purchase page",
	"InvoiceURL":     "the link to the unpaid invoice at the processor, where the card can be changed",
}

// orderLineDocs documents each field of OrderLine, the dot inside
// {{range .Orders}}. A test checks that it names every field.
var orderLineDocs = map[string]string{
	"PublicRef": "the order's public reference",
	"PlanName":  "the plan's display name",
	"Amount":    "the amount paid, formatted",
	"PaidAt":    "when it was paid, formatted",
	"Status":    "where the order stands, in words",
	"StatusURL": "the link to the order's status page",
}

// templateVariables is, per template, the variables the workflow that sends
// it fills in. The defaults use exactly these (a test checks it); an edited
// template may use any field of Data, but the others will be empty.
var templateVariables = map[string][]string{
	OrderConfirmation:  {"Email", "PlanName", "Amount", "PublicRef", "StatusURL", "ValidUntil", "SupportEmail"},
	DelayedFulfillment: {"Email", "PlanName", "Amount", "PublicRef", "StatusURL", "ValidUntil", "SupportEmail"},
	PaymentOnHold:      {"Email", "Amount", "PublicRef", "StatusURL", "Reason", "SupportEmail"},
	SupportResolution:  {"PublicRef", "StatusURL", "Message", "StaffName", "SupportEmail"},
	RefundIssued:       {"Email", "PlanName", "Amount", "PublicRef", "StatusURL", "Reason", "SupportEmail"},
	StatusLink:         {"Email", "PlanName", "PublicRef", "SupportEmail", "StartedAt", "Orders", "ClaimURL"},
	ClaimReceived:      {"Email", "Amount", "SupportEmail", "PaidOn"},
	IncidentApology:    {"Email", "PlanName", "Amount", "PublicRef", "StatusURL", "ValidUntil", "SupportEmail", "Reason", "IncidentWindow", "Outcome"},
	RenewalReceipt:     {"Email", "PlanName", "Amount", "PublicRef", "StatusURL", "ValidUntil", "SupportEmail"},
	PaymentFailed:      {"Email", "PlanName", "Amount", "PublicRef", "StatusURL", "ValidUntil", "SupportEmail", "Reason", "InvoiceURL"},
	StaffAlert:         {"AlertSubject", "AlertBody", "StatusURL"},
}

// Variable is one entry of a template's documentation table.
type Variable struct {
	Name string // as written in a template, e.g. ".PublicRef"
	Doc  string
	// The rest is for the editor's variables panel (VariablePanel).
	List   bool       // a list, to show with {{range}}; Fields are its elements'
	Fields []Variable // the fields of a list's element, named as inside the range
	Sent   bool       // filled in by the workflow that sends this template
}

// Variables documents the variables the sender of template name fills in, in
// the order of Data, as the template editor shows them. It is nil for an
// unknown template.
func Variables(name string) []Variable {
	used := templateVariables[name]
	var out []Variable
	for _, field := range dataFields() {
		if slices.Contains(used, field) {
			out = append(out, Variable{Name: "." + field, Doc: variableDocs[field]})
		}
	}
	return out
}

// dataFields lists the fields of Data in declaration order.
func dataFields() []string { return fieldsOf(reflect.TypeFor[Data]()) }

func fieldsOf(t reflect.Type) []string {
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		out = append(out, t.Field(i).Name)
	}
	return out
}

// SampleData is the data the console's live preview and validation render
// with: every field filled, so an edit that only fails on real data is rare.
func SampleData() Data {
	return Data{
		Email:        "jane@example.com",
		PlanName:     "Pro (yearly)",
		Amount:       "$249.00",
		PublicRef:    "BK-7Q2M-XK4P",
		StatusURL:    "https://example.com/status/BK-7Q2M-XK4P",
		ValidUntil:   "30 November 2027",
		SupportEmail: "support@example.com",
		Reason:       "the amount paid did not match the plan",
		Message:      "I have checked your payment and your access is ready now.",
		StaffName:    "Sam",
		AlertSubject: "Reconciliation sweep failed",
		AlertBody:    "The sweep at 10:02 UTC failed: processor unavailable.",
		StartedAt:    "10:41 UTC on 1 December 2026",
		Orders: []OrderLine{{
			PublicRef: "BK-7Q2M-XK4P", PlanName: "Pro (yearly)", Amount: "$249.00",
			PaidAt: "10:02 UTC on 1 December 2026", Status: "your access is ready",
			StatusURL: "https://example.com/status/BK-7Q2M-XK4P",
		}},
		PaidOn:         "1 December 2026",
		ClaimURL:       "https://example.com/claim",
		IncidentWindow: "between 10:02 and 10:17 UTC on 1 December 2026",
		Outcome:        "we found your payment and finished your order; your access is ready now.",
	}
}

// AccessTemplates are the emails that give a customer access to what they
// bought: a resend ("I never got the email") copies the newest of these.
func AccessTemplates() []string {
	return []string{OrderConfirmation, DelayedFulfillment, SupportResolution}
}
