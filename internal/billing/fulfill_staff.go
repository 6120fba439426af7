package billing

import "context"

// FulfillByStaffTx is FulfillTx for a person's verified fix, with
// fulfilled_via = staff, in the caller's transaction (the mismatch resolved
// and its audit row commit with it). It differs in one thing: it queues no
// email of its own, because the person writes the customer one
// (support_resolution) in the same transaction, and one fix should read as
// one email. Outcome.Template is then "". A payment it would hold or leave
// unserved queues nothing either; the staff path refuses those and rolls
// back.
func (s *Service) FulfillByStaffTx(ctx context.Context, tx Tx, p PaidCheckout) (Outcome, error) {
	out, err := s.FulfillTx(ctx, silentTx{tx}, p, ViaStaff)
	out.Template = ""
	return out, err
}

// silentTx is a transaction whose emails are written by someone else.
type silentTx struct{ Tx }

func (silentTx) QueueEmail(context.Context, Email) (bool, error) { return false, nil }
