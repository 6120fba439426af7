// Package invariant checks Backstop's promises over the final state of a
// run: the processor's records, read through its API as any client would,
// against the database, read with set-based SQL. Tests that break the world
// on purpose (random kills, two instances, faults) end with Check and print
// every violation it returns, in words, rather than the first one.
//
// The rules (DESIGN.md sections 5 and 6):
//
//   - every succeeded, unrefunded payment has exactly one served order, or
//     an open mismatch that says why not;
//   - no order is served without a succeeded payment;
//   - no period is granted twice for one payment, and every served order
//     has its grant;
//   - every renewal invoice the processor shows paid is granted exactly
//     once (or an open mismatch says why not), and no invoice is granted
//     that the processor does not show paid;
//   - each served order has one confirmation-or-recovery email, delivered
//     once, or twice with one Message-ID (the crash window after the SMTP
//     server accepted and before the send was recorded);
//   - no processor event stays unprocessed without its error recorded;
//   - nothing is left in River's running state.
//
// Only tests import it.
package invariant
