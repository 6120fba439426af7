// Package stripeapi is the one adapter behind billing.Processor: it speaks to
// the payment processor through stripe-go v76 and turns Stripe's objects and
// errors into Backstop's domain types and *apperr.Error kinds.
//
// The same code runs against real Stripe (Config.APIBase empty), against the
// in-product simulator (internal/stripesim, `backstop sim`) and against
// stripe-mock in the conformance test; only the base URL changes. Nothing
// else in Backstop imports stripe-go's API client, so demos and tests always
// exercise the real client code path rather than a hand-written fake.
//
// Each Client owns its own stripe-go backend (never the package-level global
// one) and one token bucket that every HTTP request waits on, list pages and
// stripe-go's own retries included. The bucket keeps a sweep from starving
// checkout and keeps the process below Stripe's rate limits (25/s in test
// mode, 100/s live); processes do not share it, so size RatePerSec for the
// number of processes that talk to Stripe at once.
//
// Idempotency: every write (CreateCheckoutSession, CreateRefund) requires a
// caller-supplied idempotency key derived from ids stored before the call,
// for example the order id. stripe-go would otherwise invent a random key
// that dies with the process, and a retry after a crash would create a second
// session or refund. A missing key is refused with apperr.Invalid before any
// request is sent. stripe-go resends a POST after a timeout or a 409 with the
// same key, which is safe for the same reason.
package stripeapi
