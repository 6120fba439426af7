package billing

// The processor's event types Backstop acts on, as Stripe names them. The
// handler, event catch-up and the simulator all use these, so a type is
// spelled once.
const (
	EventCheckoutCompleted      = "checkout.session.completed"
	EventCheckoutAsyncSucceeded = "checkout.session.async_payment_succeeded"
	EventCheckoutExpired        = "checkout.session.expired"
	EventPaymentSucceeded       = "payment_intent.succeeded"
	EventPaymentFailed          = "payment_intent.payment_failed"
	EventChargeSucceeded        = "charge.succeeded"
	EventChargeRefunded         = "charge.refunded"
	EventDisputeCreated         = "charge.dispute.created"
	EventDisputeClosed          = "charge.dispute.closed"
	// A subscription's invoices and the subscription itself (DESIGN
	// section 5, "Subscriptions: the year after").
	EventInvoicePaid          = "invoice.paid"
	EventInvoicePaymentFailed = "invoice.payment_failed"
	EventSubscriptionCreated  = "customer.subscription.created"
	EventSubscriptionUpdated  = "customer.subscription.updated"
	EventSubscriptionDeleted  = "customer.subscription.deleted"
)

// HandledEvents are the event types HandleEvent acts on; catch-up lists
// only these.
var HandledEvents = []string{
	EventCheckoutCompleted, EventCheckoutAsyncSucceeded, EventCheckoutExpired,
	EventPaymentSucceeded, EventChargeRefunded, EventDisputeCreated, EventDisputeClosed,
	EventInvoicePaid, EventInvoicePaymentFailed, EventSubscriptionUpdated, EventSubscriptionDeleted,
}

// The kinds of mismatch between the processor and our database, DESIGN
// section 6's table in its order. Reconciliation finds them, the store
// writes them, the console and `backstop mismatches` show them.
const (
	KindOrphanPayment    = "orphan_payment"
	KindStuckPending     = "stuck_pending"
	KindUnpaidFulfilled  = "unpaid_fulfilled"
	KindRefundedActive   = "refunded_active"
	KindDisputed         = "disputed"
	KindDuplicatePayment = "duplicate_payment"
	KindAmountMismatch   = "amount_mismatch"
	KindIdentityUnknown  = "identity_unknown"
	KindExpiredPending   = "expired_pending"
	KindClaimReview      = "claim_review"
	// KindStatusMismatch is an order we mark refunded or disputed whose
	// payment the processor says is neither: a status no processor fact
	// confirms (an event whose payload disagreed with the processor).
	KindStatusMismatch = "status_mismatch"
	// KindEventFailed is a processor event whose handling kept failing
	// until event catch-up gave up on it (its subject is "event:<id>").
	KindEventFailed = "event_failed"
	// KindUnservedRenewal is a paid invoice of a subscription whose period
	// we have not granted (its subject is "invoice:<id>"); the sweep heals
	// it through Fulfill.
	KindUnservedRenewal = "unserved_renewal"
	// KindLapsedUnpaid is a subscription past due beyond RENEWAL_GRACE, or
	// ended unpaid, whose access is still active (subject
	// "subscription:<id>").
	KindLapsedUnpaid = "lapsed_unpaid"
)

// Kinds lists every kind of mismatch.
var Kinds = []string{
	KindOrphanPayment, KindStuckPending, KindUnpaidFulfilled, KindRefundedActive, KindDisputed,
	KindDuplicatePayment, KindAmountMismatch, KindIdentityUnknown, KindExpiredPending, KindClaimReview,
	KindStatusMismatch, KindEventFailed, KindUnservedRenewal, KindLapsedUnpaid,
}

// Hold reasons: a payment is in but a person must finish the order. Two
// are the kinds of mismatch the sweep queues for them.
const (
	HoldAmountMismatch  = KindAmountMismatch
	HoldIdentityUnknown = KindIdentityUnknown
	// HoldPlanUnknown is why a payment with an email but no plan we can
	// name waits for a person (an orphan payment of an amount no plan costs).
	HoldPlanUnknown = "plan_unknown"
)
