package mail

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/store"
)

// Enqueuer asks for the delivery job of a stored email inside the caller's
// transaction, so the job exists if and only if that transaction commits.
// The jobs package implements it with River's InsertTx.
type Enqueuer interface {
	EnqueueEmailTx(ctx context.Context, tx *sql.Tx, messageID int64) error
}

// Tx is the part of a database transaction the outbox writes through: the
// template and message rows, and the SQL transaction River's insert joins.
// *store.Tx provides it.
type Tx interface {
	LatestTemplate(ctx context.Context, name string) (store.EmailTemplate, error)
	TemplateVersion(ctx context.Context, name string, version int) (store.EmailTemplate, error)
	InsertEmailMessage(ctx context.Context, m store.EmailMessage) (id int64, inserted bool, err error)
	SQL() *sql.Tx
}

var _ Tx = (*store.Tx)(nil)

// QueueRequest is one logical email to queue.
type QueueRequest struct {
	Template string // one of Names()
	To       string
	OrderID  *int64 // the order it is about, if any
	// DedupeKey identifies the logical email, e.g. "order:42:order_confirmation"
	// (see DedupeKey): a second request with the same key queues nothing.
	DedupeKey string
	Data      Data
}

// DedupeKey is the key of the one email of a given template about an order.
func DedupeKey(orderID int64, template string) string {
	return fmt.Sprintf("order:%d:%s", orderID, template)
}

// Outbox queues emails in the caller's transaction.
type Outbox struct {
	st        *store.Store
	enq       Enqueuer
	domain    string
	templates *templateCache
}

// NewOutbox returns an Outbox that enqueues delivery jobs through enq and
// generates Message-IDs in domain (the host of MAIL_FROM, or of BASE_URL).
func NewOutbox(st *store.Store, enq Enqueuer, domain string) *Outbox {
	return &Outbox{st: st, enq: enq, domain: domain, templates: newTemplateCache()}
}

// QueueTx renders the live version of req.Template with req.Data, stores
// the email with a new Message-ID unless its dedupe key is already taken,
// and only then enqueues its delivery in the same transaction. It reports
// whether it queued: a repeated Fulfill queues nothing the second time. A
// bad request (unknown template, invalid address, no dedupe key) is an
// apperr Invalid.
//
// A live version passed validation for every sample case, but real data
// can still be larger or stranger than any of them (a status link listing
// hundreds of orders past the output cap). The email is then rendered from
// version 0, the shipped default, and its row says so: a customer gets the
// default's words rather than no email, and the workflow that sends it is
// never stopped by an edit. Only when the default fails too is the error
// returned.
func (o *Outbox) QueueTx(ctx context.Context, tx Tx, req QueueRequest) (queued bool, err error) {
	if err := req.check(); err != nil {
		return false, err
	}
	data := req.Data
	if data.Email == "" {
		data.Email = req.To
	}
	t, out, err := o.renderLive(ctx, tx, req.Template, data)
	if err != nil {
		return false, fmt.Errorf("queue %s: %w", req.DedupeKey, err)
	}
	return o.insert(ctx, tx, store.EmailMessage{
		Template: t.Name, TemplateVersion: &t.Version, To: req.To,
		Subject: out.Subject, HTMLBody: out.HTML, TextBody: out.Text,
		OrderID: req.OrderID, DedupeKey: req.DedupeKey,
	})
}

// renderLive renders the live version of name, or version 0 when the live
// one fails on this data (see QueueTx). Each version is compiled once, the
// first time it is rendered (see templateCache).
func (o *Outbox) renderLive(ctx context.Context, tx Tx, name string, data Data) (store.EmailTemplate, Content, error) {
	t, err := tx.LatestTemplate(ctx, name)
	if err != nil {
		return store.EmailTemplate{}, Content{}, err
	}
	out, err := o.templates.render(content(t), data)
	if err == nil || t.Version == 0 {
		return t, out, wrapRender(t, err)
	}
	def, derr := tx.TemplateVersion(ctx, name, 0)
	if derr != nil {
		return store.EmailTemplate{}, Content{}, errors.Join(wrapRender(t, err), derr)
	}
	out, derr = o.templates.render(content(def), data)
	if derr != nil {
		return store.EmailTemplate{}, Content{}, errors.Join(wrapRender(t, err), wrapRender(def, derr))
	}
	return def, out, nil
}

func wrapRender(t store.EmailTemplate, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("render %s v%d: %w", t.Name, t.Version, err)
}

// insert stores m with a new Message-ID and enqueues its delivery, unless
// its dedupe key is taken.
func (o *Outbox) insert(ctx context.Context, tx Tx, m store.EmailMessage) (bool, error) {
	m.MessageID = newMessageID(o.domain)
	id, inserted, err := tx.InsertEmailMessage(ctx, m)
	if err != nil || !inserted {
		return false, err
	}
	if err := o.enq.EnqueueEmailTx(ctx, tx.SQL(), id); err != nil {
		return false, fmt.Errorf("enqueue email %d: %w", id, err)
	}
	return true, nil
}

// queueTestTx stores and enqueues a test send: out, already rendered from
// an unsaved draft of template name, to a staff address. It has no
// version, is marked as a test and has a dedupe key of its own
// ("test:…"), so it is never counted as an email to a customer.
func (o *Outbox) queueTestTx(ctx context.Context, tx Tx, name, to string, out Content) error {
	if err := checkAddress(to); err != nil {
		return err
	}
	_, err := o.insert(ctx, tx, store.EmailMessage{
		Template: name, Test: true, To: to, Subject: out.Subject, HTMLBody: out.HTML, TextBody: out.Text,
		DedupeKey: "test:" + strings.Trim(newMessageID(o.domain), "<>"),
	})
	return err
}

func (r QueueRequest) check() error {
	switch {
	case !IsKnown(r.Template):
		return apperr.New(apperr.Invalid, fmt.Sprintf("unknown email template %q", r.Template))
	case r.DedupeKey == "":
		return apperr.New(apperr.Invalid, "an email needs a dedupe key")
	}
	return checkAddress(r.To)
}

// checkAddress accepts a bare address such as "jane@example.com" and
// refuses anything else, including a display name, with an apperr Invalid.
func checkAddress(addr string) error {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, "invalid email address", fmt.Errorf("address %q: %w", addr, err))
	}
	if a.Address != addr || a.Name != "" {
		return apperr.New(apperr.Invalid, "invalid email address")
	}
	return nil
}

// newMessageID returns "<random@domain>" with 160 random bits, so it is
// unique and unguessable. It is generated once, when the email is queued,
// and sent unchanged by every attempt.
func newMessageID(domain string) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	id := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	if domain == "" {
		domain = "backstop.invalid"
	}
	return "<" + id + "@" + domain + ">"
}
