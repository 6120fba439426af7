// Package billing is Backstop's domain: plans, orders, money and statuses, and
// the workflows that move money and grant access (start checkout, handle a
// processor event, Fulfill, refund, verify-and-provision). It is written
// against small interfaces it declares (Processor, and the store and job
// enqueuer it needs), so it never imports Fiber, templ or stripe-go.
package billing
