package mail

// Default returns the shipped default of template name as this release
// carries it. SeedDefaults stores it as version 0 where a template has no
// version yet; a release that changes it leaves the stored versions alone,
// and the editor shows the change (see Editor).
func Default(name string) (Content, bool) {
	c, ok := defaults[name]
	return c, ok
}

// htmlPage wraps a body in the simple, inline-styled layout every default
// shares. Mail clients ignore style sheets, so styles are inline; the layout
// stays plain so it reads the same in every client.
func htmlPage(body string) string {
	return `<!DOCTYPE html>
<html>
<body style="margin:0;padding:24px;background:#f6f6f4;font-family:Helvetica,Arial,sans-serif;color:#222;">
<div style="max-width:560px;margin:0 auto;background:#fff;padding:24px;border:1px solid #e2e2de;border-radius:6px;font-size:15px;line-height:1.5;">
` + body + `
</div>
</body>
</html>
`
}

const (
	htmlRef   = `<p style="color:#555;font-size:13px;">Your reference: <strong>{{.PublicRef}}</strong>. You can check where things stand at any time on <a href="{{.StatusURL}}" style="color:#1a56a8;">your status page</a>.</p>`
	htmlReply = `<p style="color:#555;font-size:13px;">Questions? Reply to this email or write to <a href="mailto:{{.SupportEmail}}" style="color:#1a56a8;">{{.SupportEmail}}</a>, quoting your reference.</p>`
	textRef   = "Your reference: {{.PublicRef}}\nYour status page: {{.StatusURL}}\n"
	textReply = "Questions? Reply to this email or write to {{.SupportEmail}}, quoting your reference.\n"
)

var defaults = map[string]Content{
	OrderConfirmation: {
		Subject: "Your {{.PlanName}} access is ready ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>Thank you for your order. We received your payment of <strong>{{.Amount}}</strong> and your <strong>{{.PlanName}}</strong> access is ready now.</p>
<p>Your access runs until <strong>{{.ValidUntil}}</strong>. You can sign in with {{.Email}}.</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

Thank you for your order. We received your payment of {{.Amount}} and your {{.PlanName}} access is ready now.

Your access runs until {{.ValidUntil}}. You can sign in with {{.Email}}.

` + textRef + "\n" + textReply,
	},
	DelayedFulfillment: {
		Subject: "Sorry for the wait: your {{.PlanName}} access is ready ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>Sorry for the wait. Something went wrong on our side while you were paying, so your order was not finished straight away. We found your payment of <strong>{{.Amount}}</strong> and your <strong>{{.PlanName}}</strong> access is ready now.</p>
<p>Your access runs until <strong>{{.ValidUntil}}</strong>. You can sign in with {{.Email}}. You were charged once, and you do not need to do anything else.</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

Sorry for the wait. Something went wrong on our side while you were paying, so your order was not finished straight away. We found your payment of {{.Amount}} and your {{.PlanName}} access is ready now.

Your access runs until {{.ValidUntil}}. You can sign in with {{.Email}}. You were charged once, and you do not need to do anything else.

` + textRef + "\n" + textReply,
	},
	PaymentOnHold: {
		Subject: "We have your payment; a person is finishing your order ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>We have your payment of <strong>{{.Amount}}</strong> and it is safe. We could not finish your order automatically because {{.Reason}}, so a person is finishing it now.</p>
<p>You do not need to do anything. We will email {{.Email}} as soon as your access is ready, usually within one working day.</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

We have your payment of {{.Amount}} and it is safe. We could not finish your order automatically because {{.Reason}}, so a person is finishing it now.

You do not need to do anything. We will email {{.Email}} as soon as your access is ready, usually within one working day.

` + textRef + "\n" + textReply,
	},
	SupportResolution: {
		Subject: "About your order {{.PublicRef}}",
		HTML: htmlPage(`<p>Hello,</p>
<p style="white-space:pre-line;">{{.Message}}</p>
<p>I am sorry for the trouble.</p>
<p>{{.StaffName}}<br>Support</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

{{.Message}}

I am sorry for the trouble.

{{.StaffName}}
Support

` + textRef + "\n" + textReply,
	},
	RefundIssued: {
		Subject: "Your refund of {{.Amount}} is on its way ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>We have refunded <strong>{{.Amount}}</strong> for your <strong>{{.PlanName}}</strong> order: {{.Reason}}.</p>
<p>Your bank usually shows the refund within 5 to 10 working days, on the card you paid with. The refund was sent for {{.Email}}.</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

We have refunded {{.Amount}} for your {{.PlanName}} order: {{.Reason}}.

Your bank usually shows the refund within 5 to 10 working days, on the card you paid with. The refund was sent for {{.Email}}.

` + textRef + "\n" + textReply,
	},
	// StatusLink lists one or more orders with their status links: sent when
	// an address starts buying a plan it bought recently (StartedAt is set),
	// and when someone asks /status for an address's purchases.
	StatusLink: {
		Subject: "{{if .StartedAt}}You already bought {{.PlanName}}: here is its status{{else}}The status of your purchases{{end}} ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
{{if .StartedAt}}<p>You started a new purchase of <strong>{{.PlanName}}</strong> with {{.Email}} at {{.StartedAt}}. You already bought it:</p>
{{else}}<p>Someone asked for the status of purchases made with {{.Email}}. Here they are:</p>
{{end}}<ul style="padding-left:20px;">
{{range .Orders}}<li style="margin-bottom:10px;"><strong>{{.PlanName}}</strong>, {{.Amount}}, paid at {{.PaidAt}}: {{.Status}}.<br>Reference <strong>{{.PublicRef}}</strong>: <a href="{{.StatusURL}}" style="color:#1a56a8;">its status page</a></li>
{{end}}</ul>
<p>Charged for something that is not listed here? <a href="{{.ClaimURL}}" style="color:#1a56a8;">Claim it</a> with the amount and the day on your statement.</p>
{{if .StartedAt}}<p>If you meant to buy it again, just complete the payment. If not, close the payment page and nothing is charged.</p>
{{else}}<p>If you did not ask for this, you can ignore this email.</p>
{{end}}` + htmlReply),
		Text: `Hello,

{{if .StartedAt}}You started a new purchase of {{.PlanName}} with {{.Email}} at {{.StartedAt}}. You already bought it:
{{else}}Someone asked for the status of purchases made with {{.Email}}. Here they are:
{{end}}
{{range .Orders}}- {{.PlanName}}, {{.Amount}}, paid at {{.PaidAt}}: {{.Status}}.
  Reference {{.PublicRef}}: {{.StatusURL}}
{{end}}
Charged for something that is not listed here? Claim it with the amount and the day on your statement: {{.ClaimURL}}

{{if .StartedAt}}If you meant to buy it again, just complete the payment. If not, close the payment page and nothing is charged.
{{else}}If you did not ask for this, you can ignore this email.
{{end}}
` + textReply,
	},
	// ClaimReceived goes to the address a customer typed on /claim when
	// the payment they describe was made with another address: a person
	// checks it before anything is switched on.
	ClaimReceived: {
		Subject: "We received your claim for a payment of {{.Amount}}",
		HTML: htmlPage(`<p>Hello,</p>
<p>You told us you paid <strong>{{.Amount}}</strong> on {{.PaidOn}}. We found a payment of that amount on that day, but it was made with another email address than {{.Email}}, so we cannot switch it on for you automatically.</p>
<p>A person on our team will check it and write to you at {{.Email}}, usually within one working day. You do not need to pay again, and nothing more is charged.</p>
<p style="color:#555;font-size:13px;">Questions? Reply to this email or write to <a href="mailto:{{.SupportEmail}}" style="color:#1a56a8;">{{.SupportEmail}}</a>. If you did not make this claim, you can ignore this email.</p>`),
		Text: `Hello,

You told us you paid {{.Amount}} on {{.PaidOn}}. We found a payment of that amount on that day, but it was made with another email address than {{.Email}}, so we cannot switch it on for you automatically.

A person on our team will check it and write to you at {{.Email}}, usually within one working day. You do not need to pay again, and nothing more is charged.

Questions? Reply to this email or write to {{.SupportEmail}}. If you did not make this claim, you can ignore this email.
`,
	},
	StaffAlert: {
		Subject: "[Backstop] {{.AlertSubject}}",
		HTML: htmlPage(`<p><strong>{{.AlertSubject}}</strong></p>
<p style="white-space:pre-line;">{{.AlertBody}}</p>
<p><a href="{{.StatusURL}}" style="color:#1a56a8;">Open the console</a></p>`),
		Text: `{{.AlertSubject}}

{{.AlertBody}}

Open the console: {{.StatusURL}}
`,
	},
	IncidentApology: {
		Subject: "We are sorry: a problem on our side affected your payment ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>We are sorry: {{.IncidentWindow}}, {{.Reason}}, and your payment of <strong>{{.Amount}}</strong> for <strong>{{.PlanName}}</strong> was one of those affected.</p>
<p><strong>What we did:</strong> {{.Outcome}}</p>
<p><strong>What you need to do:</strong> nothing.{{if .ValidUntil}} Your access runs until <strong>{{.ValidUntil}}</strong>, and you can sign in with {{.Email}}.{{end}}</p>
<p>If anything still looks wrong to you, or you would rather hear it from a person, reply to this email or write to <a href="mailto:{{.SupportEmail}}" style="color:#1a56a8;">{{.SupportEmail}}</a>. A person reads every reply and will put it right.</p>
` + htmlRef),
		Text: `Hello,

We are sorry: {{.IncidentWindow}}, {{.Reason}}, and your payment of {{.Amount}} for {{.PlanName}} was one of those affected.

What we did: {{.Outcome}}

What you need to do: nothing.{{if .ValidUntil}} Your access runs until {{.ValidUntil}}, and you can sign in with {{.Email}}.{{end}}

If anything still looks wrong to you, or you would rather hear it from a person, reply to this email or write to {{.SupportEmail}}. A person reads every reply and will put it right.

` + textRef,
	},
	RenewalReceipt: {
		Subject: "Your {{.PlanName}} is renewed until {{.ValidUntil}} ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>Your <strong>{{.PlanName}}</strong> has renewed. We charged <strong>{{.Amount}}</strong> to the card you paid with, and your access now runs until <strong>{{.ValidUntil}}</strong>.</p>
<p>You do not need to do anything: you can go on signing in with {{.Email}}. If you did not expect this charge, reply to this email and a person will look at it with you.</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

Your {{.PlanName}} has renewed. We charged {{.Amount}} to the card you paid with, and your access now runs until {{.ValidUntil}}.

You do not need to do anything: you can go on signing in with {{.Email}}. If you did not expect this charge, reply to this email and a person will look at it with you.

` + textRef + "\n" + textReply,
	},
	PaymentFailed: {
		Subject: "We could not renew your {{.PlanName}} ({{.PublicRef}})",
		HTML: htmlPage(`<p>Hello,</p>
<p>We tried to renew your <strong>{{.PlanName}}</strong> for <strong>{{.Amount}}</strong>, but the payment did not go through: {{.Reason}}. Nothing was charged.</p>
<p>Your access goes on until <strong>{{.ValidUntil}}</strong>. We will try the card again over the next few days. If your card has changed, you can pay the invoice with another card here: <a href="{{.InvoiceURL}}">{{.InvoiceURL}}</a>. Or reply to this email and we will help you; you can sign in with {{.Email}} meanwhile.</p>
` + htmlRef + "\n" + htmlReply),
		Text: `Hello,

We tried to renew your {{.PlanName}} for {{.Amount}}, but the payment did not go through: {{.Reason}}. Nothing was charged.

Your access goes on until {{.ValidUntil}}. We will try the card again over the next few days. If your card has changed, you can pay the invoice with another card here: {{.InvoiceURL}}
Or reply to this email and we will help you; you can sign in with {{.Email}} meanwhile.

` + textRef + "\n" + textReply,
	},
}
