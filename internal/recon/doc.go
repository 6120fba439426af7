// Package recon is Backstop's reconciliation: the continuous diff of the
// processor (the truth about money) against our database (the truth about
// access), DESIGN section 6.
//
// Two jobs share one classifier's vocabulary. CatchUp replays the
// processor's events after a cursor through the webhook's own handler, so a
// lost webhook is repaired within one interval; it also retries stored
// events whose handling failed, with backoff, and after a cap gives them up
// to a person (an event_failed mismatch and the alert). Sweeper lists every checkout
// session, payment intent, charge, refund and dispute created in a window,
// streams them into UNLOGGED staging tables in multi-row batches (memory
// stays flat however large the window), and diffs them against the orders
// with set-based SQL (internal/store's Classify): never one query per
// object. It also lists the subscription invoices created since the
// window's start (invoices.go): a paid renewal with no grant is healed, one
// tied to no order is queued as unserved_renewal. It then heals what is safe through billing's Fulfill (the only
// path to access) or by expiring pending orders, queues the rest as
// mismatches with an evidence snapshot, one open mismatch per (kind,
// subject), and sends a holding email to every customer whose payment waits
// for a person. Alerter is the dead man's switch over both jobs.
//
// The jobs package runs these on River's schedule; `backstop reconcile`
// runs one sweep by hand. A PostgreSQL advisory lock lets only one sweep
// run at a time across every process sharing the database.
package recon
