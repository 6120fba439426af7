package mail

import (
	"context"
	"fmt"

	"github.com/backstophq/backstop/internal/store"
)

// ResendTx is what a resend reads and writes: the outbox's Tx and the
// emails already stored. *store.Tx provides it.
type ResendTx interface {
	Tx
	LatestOrderEmail(ctx context.Context, orderID int64, templates []string) (store.EmailMessage, error)
}

// ResendTx queues a copy of the newest email about the order whose
// template is one of templates, exactly as it was rendered (subject,
// bodies, template version, recipient), with a new Message-ID under
// dedupeKey, and enqueues its delivery in the same transaction. Like QueueTx
// it queues once per key and reports whether it did. It is an apperr
// NotFound when the order has no such email.
func (o *Outbox) ResendTx(ctx context.Context, tx ResendTx, orderID int64, templates []string, dedupeKey string) (bool, error) {
	orig, err := tx.LatestOrderEmail(ctx, orderID, templates)
	if err != nil {
		return false, err
	}
	id, inserted, err := tx.InsertEmailMessage(ctx, store.EmailMessage{
		Template: orig.Template, TemplateVersion: orig.TemplateVersion, To: orig.To,
		Subject: orig.Subject, HTMLBody: orig.HTMLBody, TextBody: orig.TextBody,
		OrderID: orig.OrderID, DedupeKey: dedupeKey, MessageID: newMessageID(o.domain),
	})
	if err != nil || !inserted {
		return false, err
	}
	if err := o.enq.EnqueueEmailTx(ctx, tx.SQL(), id); err != nil {
		return false, fmt.Errorf("enqueue email %d: %w", id, err)
	}
	return true, nil
}
