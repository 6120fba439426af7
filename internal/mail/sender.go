package mail

import "context"

// Outgoing is one email as a Sender sends it.
type Outgoing struct {
	From      string
	To        string
	Subject   string
	HTML      string
	Text      string
	MessageID string // "<id@domain>", the same on every attempt
}

// Sender hands an email to whatever delivers it. Send returns nil only when
// the email was accepted. A permanent refusal (the recipient does not exist,
// the address is invalid) is an apperr Invalid, which the caller must not
// retry; any other error is worth retrying later.
type Sender interface {
	Send(ctx context.Context, m Outgoing) error
}

// DevMailbox is the Sender used when SMTP_URL is not set. Send accepts every
// email and sends nothing: the stored email_messages row is the dev mailbox,
// which the console shows.
type DevMailbox struct{}

// Send accepts m.
func (DevMailbox) Send(context.Context, Outgoing) error { return nil }
