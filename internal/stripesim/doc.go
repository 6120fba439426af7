// Package stripesim is a stateful, Stripe-compatible HTTP server for demos
// and tests (`backstop sim`, and `backstop dev` in-process).
//
// Backstop talks to Stripe only through internal/stripeapi, the adapter over
// stripe-go v76. Pointing that same adapter at this simulator (by its API
// base URL) means demos and tests exercise the real client code path —
// form encoding, pagination, expansion, error types, idempotency keys and
// webhook signatures — never a hand-written fake client. stripe-mock checks
// request shapes but keeps no state; this package keeps state.
//
// # What it speaks
//
// API version 2023-10-16 only, as stripe-go v76 pins it: Stripe's form
// encoding (a[b][0][c]=, a[]=, raw or %5B-encoded brackets), strict
// parameters (unknown ones are refused at any depth with parameter_unknown),
// list envelopes with starting_after / ending_before / limit 1–100 /
// created filters, expand[] (data.x on lists), the error envelope, a unique
// Request-Id and Stripe-Version: 2023-10-16 on every answer, bearer or basic
// auth, and Idempotency-Key replay for POSTs. Any other path, Search
// included (/v1/charges/search), is a 404 "Unrecognized request URL", as at
// Stripe. Charges carry receipt_email, billing_details.email,
// receipt_number and payment_method_details.card (last4 of the test card
// used). Routes:
//
//	POST /v1/checkout/sessions            GET /v1/checkout/sessions[/{id}]
//	POST /v1/checkout/sessions/{id}/expire
//	GET  /v1/payment_intents[/{id}]       GET /v1/charges[/{id}]
//	POST /v1/refunds                      GET /v1/refunds[/{id}]
//	GET  /v1/disputes[/{id}]              GET /v1/events[/{id}]
//	GET  /v1/subscriptions[/{id}]         DELETE /v1/subscriptions/{id} (cancel now)
//	GET  /v1/invoices[/{id}]
//
// session.url points at the hosted page GET/POST /pay/{session}, a plain
// HTML form (no JavaScript needed) where 4242 4242 4242 4242 and
// 5555 5555 5555 4444 pay and 4000 0000 0000 0002 is declined
// (4000 0000 0000 9995: insufficient funds).
//
// # Control API
//
// Scenario routes under /_sim, JSON in and out, no API key (see DESIGN.md
// section 8 for the contract). A body must come as application/json (else
// 415), and a request another web site made (an Origin that is not the
// simulator's, Sec-Fetch-Site cross-site or same-site) is refused with 403,
// so a page the developer visits cannot make payments:
//
//	POST /_sim/checkout/{session}/pay  {"card","email"?} → {"payment_intent","charge","redirect"} or 402
//	POST /_sim/payments                {"email","amount","currency","metadata","receipt_email"?,"billing_email"?,"last4"?}
//	                                   → {"payment_intent","charge"} (email sets both addresses; last4 defaults to 4242)
//	POST /_sim/charges/{id}/refund     {"amount"?} → {"refund"}
//	POST /_sim/charges/{id}/dispute    {"reason"?,"status"?} → {"dispute"} (status needs_response or warning_needs_response)
//	POST /_sim/disputes/{id}/close     {"status":"won|lost"} → {"dispute"}, with charge.dispute.closed
//	POST /_sim/faults                  {"webhooks":"deliver|drop|duplicate|reorder|delay:5s","api_error_rate","api_latency_ms"} → 204
//	                                   (duplicate, reorder and delay combine with +: "delay:1h+duplicate+reorder"
//	                                   holds every event, twice, until /_sim/webhooks/retry sends all newest first)
//	POST /_sim/webhooks/retry          → {"attempted"}
//	GET  /_sim/stats                   → {"api_requests","by_endpoint","webhooks":{…}}
//
// Two extra routes exist for tests and demos:
//
//	POST /_sim/reset                   forget everything (state, faults, counters) → 204
//	POST /_sim/clock {"advance":"25h"} move the simulated clock; open sessions past expires_at expire → {"now"}
//
// # Events and webhooks
//
// Every state change records an event with a full snapshot of the object,
// listable at /v1/events even when its delivery was dropped. With a
// WebhookURL, Start runs a loop that POSTs due events in creation order,
// signed like Stripe (Stripe-Signature: t=…,v1=…, re-signed at each
// attempt), counting only 2xx as delivered and retrying anything else with
// exponential backoff (1s doubling to 30s, indefinitely). Payments emit
// charge.succeeded, payment_intent.succeeded, then
// checkout.session.completed, in Stripe's own order.
//
// # State
//
// One mutex guards everything. With StatePath set, the whole state —
// objects, events, pending deliveries, idempotency records, webhook
// counters, the clock's offset — is rewritten atomically (temp file +
// rename) after every change, and New loads it, so a restart loses
// nothing. Faults and the API request counters live in memory only.
package stripesim
