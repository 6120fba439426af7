package handlers

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/views"
)

// DevMailbox reads the emails `backstop dev` keeps instead of sending them.
// Only dev sets it; the staff console takes the mailbox over later.
type DevMailbox interface {
	// RecentEmailMessages returns at most limit emails, newest first.
	RecentEmailMessages(ctx context.Context, limit int) ([]store.EmailMessage, error)
	// EmailMessage returns one email, or an apperr NotFound.
	EmailMessage(ctx context.Context, id int64) (store.EmailMessage, error)
}

// mailboxLimit is how many emails the list shows; dev rarely holds more.
const mailboxLimit = 200

// mailboxCSP is the page CSP with inline styles allowed. The sandboxed
// srcdoc frame inherits its parent's policy, and emails carry their styles
// inline because mail clients ignore style sheets; scripts stay ours only,
// and the frame's sandbox blocks them anyway.
const mailboxCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
	"script-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// handleMailbox is GET /dev/mailbox: every email kept, newest first.
func handleMailbox(mb DevMailbox) fiber.Handler {
	return func(c *fiber.Ctx) error {
		list, err := mb.RecentEmailMessages(c.UserContext(), mailboxLimit)
		if err != nil {
			return err
		}
		v := views.MailboxView{Messages: make([]views.MailboxItem, 0, len(list))}
		for _, m := range list {
			v.Messages = append(v.Messages, mailboxItem(m))
		}
		return render(c, fiber.StatusOK, views.MailboxPage(v), views.MailboxList(v))
	}
}

// handleMailboxMessage is GET /dev/mailbox/:id: one email with both parts.
func handleMailboxMessage(mb DevMailbox) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "There is no such email in the dev mailbox.")
		}
		m, err := mb.EmailMessage(c.UserContext(), id)
		if err != nil {
			return err
		}
		v := mailboxMessage(m)
		c.Set(fiber.HeaderContentSecurityPolicy, mailboxCSP)
		return render(c, fiber.StatusOK, views.MailboxMessagePage(v), views.MailboxMessage(v))
	}
}

func mailboxItem(m store.EmailMessage) views.MailboxItem {
	return views.MailboxItem{
		ID: m.ID, To: m.To, Subject: m.Subject, Template: m.Template, Status: m.Status, CreatedAt: m.CreatedAt,
	}
}

func mailboxMessage(m store.EmailMessage) views.MailboxMessageView {
	v := views.MailboxMessageView{
		MailboxItem: mailboxItem(m), TemplateVersion: m.TemplateVersion, MessageID: m.MessageID,
		DedupeKey: m.DedupeKey, Attempts: m.Attempts, LastError: m.LastError,
		HTMLBody: m.HTMLBody, TextBody: m.TextBody,
	}
	if m.OrderID != nil {
		v.OrderID = *m.OrderID
	}
	if m.SentAt != nil {
		v.SentAt = *m.SentAt
	}
	return v
}
