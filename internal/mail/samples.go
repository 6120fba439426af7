package mail

// SampleCase is one situation an email is written for, with the data its
// sender would fill in. The editor previews a draft for any case, and
// Validate renders every part for every case, so a template that fails
// only on some data (an empty reason, a list of two orders) is refused
// before it is saved rather than when a customer's email is queued.
type SampleCase struct {
	Key      string // stable, for URLs: "prompt_purchase"
	Title    string // for people: "A prompt purchase"
	Template string // the template the case is written for; "" for any
	Data     Data
}

// SampleCases lists every case, in the order the editor offers them.
func SampleCases() []SampleCase {
	return []SampleCase{
		{"prompt_purchase", "A prompt purchase", OrderConfirmation, purchase()},
		{"recovery_after_crash", "A recovery after a crash", DelayedFulfillment, purchase()},
		{"held_payment", "A held payment", PaymentOnHold, heldPayment()},
		{"support_resolution", "A person fixed it", SupportResolution, resolution()},
		{"refund", "A refund", RefundIssued, refund()},
		{"status_link_two_orders", "A status link with two orders", StatusLink, statusLink()},
		{"claim_received", "A claim a person will check", ClaimReceived, claim()},
		{"incident_apology", "An incident apology", IncidentApology, incident()},
		{"renewal_receipt", "A renewal", RenewalReceipt, renewal()},
		{"payment_failed", "A failed renewal", PaymentFailed, failedRenewal()},
		{"staff_alert", "A staff alert", StaffAlert, staffAlert()},
		{"markup_in_data", "Markup in the customer's data", "", markup()},
		{"nothing_optional", "Only what every email has", "", Data{Email: "ana@example.com", SupportEmail: "support@example.com"}},
	}
}

// SampleCaseByKey returns the case with key, or false.
func SampleCaseByKey(key string) (SampleCase, bool) {
	for _, c := range SampleCases() {
		if c.Key == key {
			return c, true
		}
	}
	return SampleCase{}, false
}

// DefaultCase is the case the editor first previews template name with:
// the one written for it.
func DefaultCase(name string) SampleCase {
	for _, c := range SampleCases() {
		if c.Template == name {
			return c
		}
	}
	return SampleCases()[0]
}

func purchase() Data {
	return Data{
		Email: "jane@example.com", PlanName: "Pro (yearly)", Amount: "$249.00",
		PublicRef: "BK-7Q2M-XK4P", StatusURL: "https://example.com/status/BK-7Q2M-XK4P",
		ValidUntil: "30 November 2027", SupportEmail: "support@example.com",
	}
}

func heldPayment() Data {
	d := purchase()
	d.ValidUntil = ""
	d.Reason = "the amount paid did not match the plan"
	return d
}

func resolution() Data {
	d := purchase()
	d.Message = "I checked your payment with our processor: it went through once, and your access is ready now.\nSorry for the worry."
	d.StaffName = "Sam"
	return d
}

func refund() Data {
	d := purchase()
	d.ValidUntil = ""
	d.Reason = "you were charged twice for the same order"
	return d
}

func statusLink() Data {
	return Data{
		Email: "jane@example.com", PlanName: "Pro (yearly)", PublicRef: "BK-9D3F-LM2Q",
		StatusURL: "https://example.com/status/BK-9D3F-LM2Q", SupportEmail: "support@example.com",
		StartedAt: "10:41 UTC on 1 December 2026", ClaimURL: "https://example.com/claim",
		Orders: []OrderLine{
			{PublicRef: "BK-9D3F-LM2Q", PlanName: "Pro (yearly)", Amount: "$249.00", PaidAt: "10:02 UTC on 1 December 2026",
				Status: "your access is ready", StatusURL: "https://example.com/status/BK-9D3F-LM2Q"},
			{PublicRef: "BK-7Q2M-XK4P", PlanName: "Pro (yearly)", Amount: "$249.00", PaidAt: "09:15 UTC on 1 December 2025",
				Status: "it has ended", StatusURL: "https://example.com/status/BK-7Q2M-XK4P"},
		},
	}
}

func claim() Data {
	return Data{Email: "jane@example.com", Amount: "$249.00", SupportEmail: "support@example.com", PaidOn: "1 December 2026"}
}

func incident() Data {
	d := purchase()
	d.IncidentWindow = "between 10:02 and 10:17 UTC on 1 December 2026"
	d.Reason = "our payment system stopped recording payments"
	d.Outcome = "we found your payment and finished your order; your access is ready now."
	return d
}

func renewal() Data {
	d := purchase()
	d.ValidUntil = "30 November 2028"
	return d
}

func failedRenewal() Data {
	d := purchase()
	d.Reason = "your bank declined the card"
	d.InvoiceURL = "https://invoice.stripe.com/i/acct_1/test_inv"
	return d
}

func staffAlert() Data {
	return Data{
		SupportEmail: "support@example.com", StatusURL: "https://example.com/console/",
		AlertSubject: "Reconciliation sweep failed",
		AlertBody:    "The sweep at 10:02 UTC failed: processor unavailable.\nThe next one runs at 10:07 UTC.",
	}
}

// markup is data a customer or a person typed that tries to be markup:
// every template must render it as text, never as HTML or a script.
func markup() Data {
	const script = `<script>alert("x")</script>`
	return Data{
		Email: `"<script>alert(1)</script>"@example.com`, PlanName: `Pro</strong><img src=x onerror=alert(1)>`,
		Amount: "$249.00", PublicRef: `BK-"><svg onload=alert(1)>`, StatusURL: "javascript:alert(document.cookie)",
		ValidUntil: "30 November 2027", SupportEmail: "support@example.com?cc=evil@example.com",
		Reason: script, Message: "Hello\r\nBcc: evil@example.com\r\n\r\n" + script, StaffName: "<b>Sam</b>",
		AlertSubject: "{{.Email}}", AlertBody: script, StartedAt: "{{template \"x\"}}",
		Orders:         []OrderLine{{PublicRef: script, PlanName: script, Amount: "$1", PaidAt: script, Status: script, StatusURL: "javascript:alert(2)"}},
		IncidentWindow: script, Outcome: `<a href="javascript:alert(3)">click</a>`,
		PaidOn: script, ClaimURL: "javascript:alert(4)",
	}
}
