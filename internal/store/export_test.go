package store

import "context"

// PaymentsPartBlocks is the staging size from which Classify builds the
// payments in parts, for the test that makes it do so.
const PaymentsPartBlocks = partBlocks

// MaxConns is the size of Open's pool.
const MaxConns = maxConns

// SubscriptionPaidBy reads subscriptionPaidBy for one payment intent.
func (s *Store) SubscriptionPaidBy(ctx context.Context, paymentIntentID string) (string, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT `+subscriptionPaidBy("$1"), paymentIntentID)
	return id, err
}

// MaxPrepared bounds the statements a store keeps prepared.
const MaxPrepared = maxPrepared

// PreparedCount is how many statements s keeps prepared.
func (s *Store) PreparedCount() int {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return len(s.stmts.m)
}

// OrdersByKeyRange is the query OrdersByKeyPrefix runs.
const OrdersByKeyRange = ordersByKeyRange

// Order and invoice lookups by one of several links, as run.
const (
	OrderHoldingKeyOrRef = orderHoldingKeyOrRef
	FindOrderForPayment  = findOrderForPayment
	ChargeInvoice        = chargeInvoice
)
