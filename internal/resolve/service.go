package resolve

import (
	"context"
	"log/slog"
	"time"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/staff"
	"github.com/backstophq/backstop/internal/store"
)

// Processor is the part of billing's processor port the actions use: the
// payment and its charge read at click time, and refunds. Errors are
// apperr kinds as billing.Processor documents.
type Processor interface {
	GetPaymentIntent(ctx context.Context, id string) (billing.Payment, error)
	GetCharge(ctx context.Context, id string) (billing.Charge, error)
	CreateRefund(ctx context.Context, req billing.RefundRequest) (billing.Refund, error)
	GetInvoice(ctx context.Context, id string) (billing.Invoice, error)
	GetSubscription(ctx context.Context, id string) (billing.Subscription, error)
	CancelSubscription(ctx context.Context, id string) (billing.Subscription, error)
}

// Billing is the one path to access, in the caller's transaction.
// *billing.Service provides it.
type Billing interface {
	FulfillByStaffTx(ctx context.Context, tx billing.Tx, p billing.PaidCheckout) (billing.Outcome, error)
	StatusURL(publicRef string) string
}

// Store reads mismatches and runs an action in one transaction.
type Store interface {
	// MismatchForAction reads a mismatch without a lock (apperr NotFound
	// when absent), for the checks made before the processor is asked.
	MismatchForAction(ctx context.Context, id int64) (store.MismatchState, error)
	InTx(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is what an action writes in its one transaction: billing's writes
// (Fulfill), the mismatch under its row lock, the audit row, the grant
// withdrawn and the email, so all of them commit or none does.
type Tx interface {
	billing.Tx
	LockMismatch(ctx context.Context, id int64) (store.MismatchState, error)
	UpdateMismatch(ctx context.Context, c store.MismatchChange) (version int, err error)
	AppendAudit(ctx context.Context, a staff.AuditEntry) error
	LockOrderByPaymentIntent(ctx context.Context, paymentIntentID string) (billing.Order, error)
	WithdrawGrant(ctx context.Context, orderID int64, now time.Time) (store.Withdrawal, error)
	// QueueMail queues one email through the outbox in this transaction;
	// the adapter fills in the support address.
	QueueMail(ctx context.Context, req mail.QueueRequest) (queued bool, err error)
}

// Service runs the staff actions on mismatches. It is safe for concurrent
// use: two people acting on one mismatch at once get one effect, and the
// second is told who did what.
type Service struct {
	store   Store
	proc    Processor
	billing Billing
	faults  *fault.Points
	logger  *slog.Logger
	now     func() time.Time
	baseURL string
}

// Deps are what a Service needs.
type Deps struct {
	Store     Store
	Processor Processor
	Billing   Billing
	Faults    *fault.Points
	Logger    *slog.Logger
	// BaseURL is the app's public URL, for the status links in emails.
	BaseURL string
	// Now defaults to time.Now.
	Now func() time.Time
}

// New returns a Service.
func New(d Deps) *Service {
	s := &Service{store: d.Store, proc: d.Processor, billing: d.Billing, faults: d.Faults,
		logger: d.Logger, now: d.Now, baseURL: d.BaseURL}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Request is what every action carries: the mismatch, the version of it
// the page was rendered from, and who clicked.
type Request struct {
	MismatchID int64
	Version    int
	Actor      staff.User
}

// Result is what an action did, for the flash and the re-rendered page.
type Result struct {
	// Message says in a sentence what happened, for the flash.
	Message    string
	MismatchID int64
	// Version is the mismatch's version after the action: the page the
	// handler renders next carries it.
	Version int
	// Status is the mismatch's status after the action (open, resolved,
	// dismissed).
	Status string
	// OrderID is the order served or refunded, when there is one.
	OrderID int64
	// RefundID is the processor's refund, for Refund.
	RefundID string
	// Emailed is the address an email was queued to, if any.
	Emailed string
}

// The statuses of a mismatch (DESIGN section 4).
const (
	statusOpen         = "open"
	statusResolved     = "resolved"
	statusDismissed    = "dismissed"
	statusAutoResolved = "auto_resolved"
)
