// Package resolve is what a person does about a mismatch reconciliation
// queued (DESIGN section 9, "Mismatch page"): Verify & provision, Refund,
// Link account, Dismiss, Claim and Note. It sits between the console's
// handlers, which call one method per button with the form and the signed-in
// staff.User, and the domain: access goes through billing's Fulfill (the one
// path to access, here with fulfilled_via = staff), money through the
// processor port, every write through the store, emails through the outbox.
// It knows nothing of HTTP; errors are apperr kinds with words to show:
// Invalid (422: a bad form, or the processor's facts refuse the action),
// Conflict (409: the page is stale or the thing is done, saying who did what
// and when), Unavailable ("Couldn't reach the processor, try again"),
// Forbidden, NotFound. Live reads the processor's side for the page, with
// what the money actions would say about it, through the same checks.
//
// # Which actions fit which kind
//
// Actions(kind) gives the page its buttons; an action on a kind it does not
// fit is Invalid.
//
//	kind               verify&provision  refund  link  dismiss/claim/note
//	orphan_payment     yes (1)           yes     -     yes
//	stuck_pending      yes               yes     -     yes
//	identity_unknown   yes, after link   yes     yes   yes
//	claim_review       yes, after link   yes     yes   yes
//	amount_mismatch    yes (2)           yes     -     yes
//	duplicate_payment  - (3)             yes     -     yes
//	refunded_active    -                 - (4)   -     yes
//	disputed           -                 - (4)   -     yes
//	unpaid_fulfilled   -                 - (5)   -     yes
//	expired_pending    -                 -       -     yes
//	any other kind     -                 -       -     yes
//
// (1) When a plan can be named: metadata.plan, or the one plan of that
// exact amount; an orphan of an amount no plan costs is refunded instead.
// (2) Only when the processor now agrees: the amount the customer kept
// (paid minus refunded) and its currency are the plan's, as after refunding
// an overpayment's difference. (3) The sweep already served the customer
// once; a second period for a payment nobody meant to make is never
// granted, so the extra is refunded (or dismissed if the customer meant
// it). (4) Refund refuses a charge refunded in full or disputed. (5) There
// is no succeeded payment to refund; access is never revoked here.
//
// # Verify & provision
//
// The payment intent and its charge are read from the processor at click
// time, outside any transaction, and the action refuses with the reason a
// payment that is not succeeded, refunded in full, disputed, of an amount or
// currency other than its plan's, or without a usable email. Then one
// transaction: the mismatch locked, billing.FulfillByStaffTx, the
// support_resolution email (an apology from the person, saying what
// happened, what they did and that nothing is left to do), the mismatch
// resolved, one audit row. The address served is the order's when the
// payment has one, else the one staff linked, else the processor's.
//
// # Refund
//
// The processor's facts are checked first (not refunded in full, not
// disputed, the amount at most what is left). The refund is then written
// down on the mismatch with its idempotency key (mismatch, page version,
// amount) and audited, and only then asked of the processor; a click that
// raced it finds it written down and is refused. A refund whose answer was
// lost (processor unreachable, crash) stays written down, and Refund from
// the reloaded page sends it again with the same key, so the processor
// answers with the first refund instead of paying twice. Finishing it is
// one transaction: for a full refund, the payment's order marked refunded
// and, when the reason is a duplicate, the customer's request or fraud, the
// period that payment granted withdrawn (its grant removed, later grants
// moved back, the entitlement recomputed); refund_issued queued; the
// mismatch resolved, or left open with a note after a partial refund (so
// the rest can be provisioned or refunded); the audit row.
//
// # Concurrency and staleness
//
// Every request carries the version of the mismatch the page was rendered
// from. The deciding actions (Verify & provision, Refund, Link account,
// Dismiss, Claim) check it twice: before asking the processor, so a stale
// click costs no API call, and under SELECT … FOR UPDATE in the
// transaction of the effect, which is the check that counts. Two people
// clicking at once queue on the row lock; the second sees the first's
// change and gets Conflict: "Bob already provisioned this at 10:42 UTC."
// Every change bumps the version and records who made it, so any older page
// is refused with what changed. The sweep seeing a mismatch again does not
// bump it; the sweep closing it does close it.
//
// Two calls of judgment: a Note is taken from a stale page and on a closed
// mismatch, since appending decides nothing (it still bumps the version).
// Claiming a mismatch someone else is on is refused unless the request
// says TakeOver, a separate button on the page, and the audit row names
// who it was taken from.
//
// Every action writes one audit row (target "mismatch:<id>") in the
// transaction of its effect, with the processor's facts it acted on.
package resolve
