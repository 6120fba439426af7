package billing

import (
	"context"
	"time"
)

// Store runs a unit of work in one database transaction: it commits when fn
// returns nil and rolls back otherwise. *store.Store provides it through a
// thin adapter in main.
type Store interface {
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// StoreEvent stores a processor event the first time it is seen (later
	// deliveries change nothing) and returns its processing state, in one
	// statement and no transaction of its own.
	StoreEvent(ctx context.Context, ev Event, source string) (EventState, error)
}

// Tx is what the workflows read and write inside a transaction. Every method
// returns *apperr.Error kinds: NotFound for missing rows, Conflict for unique
// violations.
type Tx interface {
	Plan(ctx context.Context, code string) (Plan, error)
	Plans(ctx context.Context, activeOnly bool) ([]Plan, error)

	// InsertOrder inserts o, or returns the existing order with the same
	// idempotency key or public reference (a double submit, a rebuild raced
	// by another path).
	InsertOrder(ctx context.Context, o Order) (Order, error)
	// FindOrderForPayment returns the id of the order a payment belongs to,
	// by order id, public reference, checkout session or payment intent.
	FindOrderForPayment(ctx context.Context, p PaidCheckout) (int64, error)
	OrderByPublicRef(ctx context.Context, ref string) (Order, error)
	// OrdersByKeyPrefix returns the orders whose idempotency key starts with
	// prefix: every order one checkout form started.
	OrdersByKeyPrefix(ctx context.Context, prefix string) ([]Order, error)
	// RecentPurchases returns the orders of email (case-insensitively) for
	// plan that are paid or fulfilled and were created or paid since, other
	// than exceptID, newest first (at most ten).
	RecentPurchases(ctx context.Context, email, plan string, since time.Time, exceptID int64) ([]Order, error)
	// LockPurchaser serializes, until the transaction ends, the handling of
	// payments by one email for one plan.
	LockPurchaser(ctx context.Context, email, plan string) error
	// LockOrder reads the order FOR UPDATE: concurrent callers queue here.
	LockOrder(ctx context.Context, id int64) (Order, error)
	// LockOrderForPayment is FindOrderForPayment then LockOrder, in one
	// round trip.
	LockOrderForPayment(ctx context.Context, p PaidCheckout) (Order, error)
	SetCheckoutSession(ctx context.Context, orderID int64, sessionID string) error
	RecordPayment(ctx context.Context, orderID int64, p PaidCheckout, status string) error
	// MarkFulfilled is RecordPayment of the payment, the order served and
	// its "fulfilled" event, in one statement.
	MarkFulfilled(ctx context.Context, f Fulfilment) error
	// SetStatus moves the order to status when its status is one of from,
	// and reports whether it did.
	SetStatus(ctx context.Context, orderID int64, status string, from ...string) (bool, error)
	AddOrderEvent(ctx context.Context, orderID int64, kind string, detail map[string]any) error

	UpsertAccount(ctx context.Context, email string) (int64, error)
	// GrantEntitlement extends the account's entitlement to the plan by one
	// interval, once per order (the grant row is the unique defence), and
	// returns the new end.
	GrantEntitlement(ctx context.Context, g Grant) (time.Time, error)
	Entitlement(ctx context.Context, accountID int64, planCode string) (Entitlement, error)
	// GrantEnd is the end of the access the order granted (NotFound if none).
	GrantEnd(ctx context.Context, orderID int64) (time.Time, error)

	// ClaimEvent marks a stored event (see Store.StoreEvent) processed
	// unless it is done with, holding its row to the transaction's end, and
	// reports whether it did: a rollback unclaims it.
	ClaimEvent(ctx context.Context, id string) (bool, error)
	// LockEvent reads a stored event's processing state FOR UPDATE.
	LockEvent(ctx context.Context, id string) (EventState, error)
	MarkEventFailed(ctx context.Context, id string, cause error) error

	// OpenMismatch opens a mismatch for m's kind and subject, or updates
	// the open one's evidence; a subject a person resolved or dismissed is
	// left as they left it. It reports whether it opened one.
	OpenMismatch(ctx context.Context, m MismatchReport) (opened bool, err error)
	// ResolveMismatch resolves the open mismatch of m's kind and subject
	// with resolution, or records m as resolved when none was ever opened,
	// so the queue shows what happened either way.
	ResolveMismatch(ctx context.Context, m MismatchReport, resolution string) error

	// QueueEmail renders and stores one logical email and enqueues its
	// delivery in this transaction, once per dedupe key; it reports whether
	// it queued.
	QueueEmail(ctx context.Context, e Email) (queued bool, err error)
	// ResendAccessEmail queues a copy of the newest email that gave the
	// order's customer access, under dedupeKey, once per key; NotFound
	// when the order has no such email.
	ResendAccessEmail(ctx context.Context, orderID int64, dedupeKey string) (queued bool, err error)
	// UpsertSubscription stores the processor's latest facts about a
	// subscription (its order and account are kept once set).
	UpsertSubscription(ctx context.Context, r SubscriptionRecord) error
	// LockInvoice stores the invoice's latest facts, locks its row until
	// the transaction ends, and reports whether a grant exists for it.
	LockInvoice(ctx context.Context, r InvoiceRecord) (granted bool, err error)
	// FindChargeInvoice returns the invoice of ours a charge paid (by the
	// invoice the processor names, else the charge's payment intent or
	// id) and the order its subscription belongs to; NotFound when the
	// charge paid no invoice we hold.
	FindChargeInvoice(ctx context.Context, ch Charge) (inv InvoiceRecord, orderID int64, err error)
	// GrantInvoice records the invoice's grant (once per invoice: the
	// grant row is the unique defence, a second is Conflict) and, with
	// g.Extend, raises the entitlement to at least g.Until; it never
	// lowers it. It returns the entitlement's end.
	GrantInvoice(ctx context.Context, g InvoiceGrant) (time.Time, error)
	// KeepAccessUntil raises the account's entitlement to the plan to at
	// least until (never lowers it), and returns its end.
	KeepAccessUntil(ctx context.Context, accountID int64, planCode string, until time.Time) (time.Time, error)

	// Purchases returns the orders of email (case-insensitively) that took
	// money (paid, fulfilled, refunded or disputed), newest first, at most
	// twenty.
	Purchases(ctx context.Context, email string) ([]Order, error)
}

// Fulfilment is an order served: the payment's facts, the account that
// got the access, how and when.
type Fulfilment struct {
	OrderID, AccountID int64
	Payment            PaidCheckout
	Via                Via
	At                 time.Time
	// Detail is the order event's: how, the payment, the email sent.
	Detail map[string]any
}

// Grant is one fulfilled order's extension of an entitlement.
type Grant struct {
	OrderID   int64
	AccountID int64
	Plan      Plan
	Now       time.Time
}

// EventState is what Backstop knows about a stored processor event.
type EventState struct {
	ID          string     `db:"id"`
	ProcessedAt *time.Time `db:"processed_at"`
	Attempts    int        `db:"attempts"`
	// GivenUpAt is when retrying stopped and a person was asked to look
	// (an event_failed mismatch); nil while it is still retried.
	GivenUpAt *time.Time `db:"given_up_at"`
}

// Done reports whether nothing more will be done with the event
// automatically: processed, or given up and left for a person.
func (s EventState) Done() bool { return s.ProcessedAt != nil || s.GivenUpAt != nil }

// Email is one logical email, about an order unless OrderID is zero (a
// holding email for a payment with no order yet).
type Email struct {
	Template   string
	To         string
	OrderID    int64
	DedupeKey  string
	PlanName   string
	Amount     string
	PublicRef  string
	StatusURL  string
	ValidUntil time.Time
	// Reason says in plain words why a person must finish the order.
	Reason string
	// Orders are the orders a status_link email lists, newest first.
	Orders []EmailOrder
	// StartedAt is when a new purchase was started, for the status_link
	// sent because of it; zero otherwise.
	StartedAt time.Time
	// PaidOn is the day a customer says they paid (claim_received).
	PaidOn time.Time
	// ClaimURL is the Claim my purchase page, for the emails that point
	// to it (status_link).
	ClaimURL string
	// InvoiceURL is the processor's page of an unpaid invoice
	// (payment_failed).
	InvoiceURL string
}
