package billing

import "time"

// Order statuses. See DESIGN section 5 for the lifecycle:
// pending → paid → fulfilled → refunded | disputed, and pending → expired | failed.
// "paid" means the money is in but the customer is not served yet: on hold
// for a person.
const (
	StatusPending   = "pending"
	StatusPaid      = "paid"
	StatusFulfilled = "fulfilled"
	StatusExpired   = "expired"
	StatusFailed    = "failed"
	StatusRefunded  = "refunded"
	StatusDisputed  = "disputed"
)

// Via names the path that fulfilled an order.
type Via string

// The paths that may call Fulfill.
const (
	ViaReturnPage   Via = "return_page"
	ViaWebhook      Via = "webhook"
	ViaEventCatchup Via = "event_catchup"
	ViaSweep        Via = "sweep"
	ViaStaff        Via = "staff"
	// ViaClaim: the customer claimed the payment on /claim and the
	// processor, asked live, confirmed it was theirs.
	ViaClaim Via = "claim"
	// ViaIncident: incident mode served a payment a window's outage left
	// unserved (DESIGN section 9).
	ViaIncident Via = "incident"
)

// Order is one attempt to buy a plan, from the form submit to access.
type Order struct {
	ID                int64      `db:"id"`
	PublicRef         string     `db:"public_ref"`
	Email             string     `db:"email"`
	PlanCode          string     `db:"plan_code"`
	Amount            int64      `db:"amount"`
	Currency          string     `db:"currency"`
	Status            string     `db:"status"`
	IdempotencyKey    string     `db:"idempotency_key"`
	CheckoutSessionID string     `db:"checkout_session_id"`
	PaymentIntentID   string     `db:"payment_intent_id"`
	ChargeID          string     `db:"charge_id"`
	AccountID         *int64     `db:"account_id"`
	FulfilledVia      string     `db:"fulfilled_via"`
	PaidAt            *time.Time `db:"paid_at"`
	FulfilledAt       *time.Time `db:"fulfilled_at"`
	CreatedAt         time.Time  `db:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"`
}

// Served reports whether the order has granted access at some point.
func (o Order) Served() bool { return o.FulfilledAt != nil }

// Entitlement is what an account may use, and until when.
type Entitlement struct {
	AccountID  int64     `db:"account_id"`
	Email      string    `db:"email"`
	PlanCode   string    `db:"plan_code"`
	ValidUntil time.Time `db:"valid_until"`
	OrderID    int64     `db:"order_id"`
}

// OrderStatus is what a customer may see about an order on its status page.
type OrderStatus struct {
	Order      Order
	Plan       Plan
	ValidUntil time.Time // zero until access is granted
}

// Stage is where the order stands, in the customer's terms.
func (s OrderStatus) Stage() string {
	switch s.Order.Status {
	case StatusFulfilled:
		return "ready"
	case StatusPaid:
		return "held"
	case StatusExpired, StatusFailed:
		return "closed"
	case StatusRefunded:
		return "refunded"
	case StatusDisputed:
		return "disputed"
	}
	return "waiting"
}
