package views

import (
	"strconv"
	"time"
)

// MailboxView is the dev mailbox: every email `backstop dev` kept instead of
// sending, newest first.
type MailboxView struct {
	Messages []MailboxItem
}

// MailboxItem is one email in the dev mailbox's list.
type MailboxItem struct {
	ID        int64
	To        string
	Subject   string
	Template  string
	Status    string // queued, sent or failed
	CreatedAt time.Time
}

// URL is the page of this one email.
func (m MailboxItem) URL() string { return "/dev/mailbox/" + strconv.FormatInt(m.ID, 10) }

// MailboxMessageView is one email as it was queued: its headers, delivery
// state and both bodies.
type MailboxMessageView struct {
	MailboxItem
	TemplateVersion *int // nil for a test send, which renders a draft
	MessageID       string
	DedupeKey       string
	OrderID         int64 // 0 when the email is not about an order
	Attempts        int
	LastError       string
	SentAt          time.Time // zero until sent
	HTMLBody        string
	TextBody        string
}

// VersionLabel says what the email was rendered from: "v3", or a draft for
// a test send.
func VersionLabel(version *int) string {
	if version == nil {
		return "draft (test send)"
	}
	return "v" + strconv.Itoa(*version)
}

// mailboxTime shows a time to a developer: UTC, to the second.
func mailboxTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// mailboxPollSeconds is how often the open mailbox list looks for new mail.
const mailboxPollSeconds = 3
