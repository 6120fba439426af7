package billing

import (
	"context"
	"fmt"
	"strings"
)

// holdReasons are the words the holding email uses after "because".
var holdReasons = map[string]string{
	HoldAmountMismatch:  "the amount paid did not match the plan",
	HoldIdentityUnknown: "we could not tell which account the payment is for",
	HoldPlanUnknown:     "we could not tell which plan the payment is for",
}

// QueueHoldingEmailTx queues the payment_on_hold email ("we have your
// payment; a person is finishing your order") in the caller's transaction,
// once per payment whatever path asks (Fulfill's hold, the sweep, the event
// path): the dedupe key is the payment intent. o may be the zero Order when
// no order exists yet; the reference shown is then the payment's id. A
// payment with no usable email gets nothing and reports false.
func (s *Service) QueueHoldingEmailTx(ctx context.Context, tx Tx, o Order, p PaidCheckout, reason string) (bool, error) {
	to := strings.TrimSpace(p.Email)
	if to == "" {
		to = o.Email
	}
	if to == "" {
		return false, nil
	}
	key := "payment:" + p.PaymentIntentID + ":payment_on_hold"
	if p.PaymentIntentID == "" {
		key = fmt.Sprintf("order:%d:payment_on_hold", o.ID)
	}
	ref, status := o.PublicRef, s.baseURL+"/status"
	if ref != "" {
		status = s.StatusURL(ref)
	} else {
		ref = p.PaymentIntentID
	}
	why := holdReasons[reason]
	if why == "" {
		why = holdReasons[HoldIdentityUnknown]
	}
	queued, err := tx.QueueEmail(ctx, Email{
		Template: "payment_on_hold", To: to, OrderID: o.ID, DedupeKey: key,
		Amount: FormatMoney(p.Amount, p.Currency), PublicRef: ref, StatusURL: status, Reason: why,
	})
	if err != nil {
		return false, fmt.Errorf("queue holding email for %s: %w", p.PaymentIntentID, err)
	}
	return queued, nil
}

// QueueHoldingEmail is QueueHoldingEmailTx in its own transaction, for the
// sweep. The order, when orderID is not zero, is read for its reference.
func (s *Service) QueueHoldingEmail(ctx context.Context, orderID int64, p PaidCheckout, reason string) (bool, error) {
	var queued bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		var o Order
		if orderID != 0 {
			var err error
			if o, err = tx.LockOrder(ctx, orderID); err != nil {
				return err
			}
		}
		var err error
		queued, err = s.QueueHoldingEmailTx(ctx, tx, o, p, reason)
		return err
	})
	return queued, err
}
