// Package console is what the staff console shows: the dashboard, the
// mismatch queue and a mismatch's page, read from the database and, for a
// mismatch, from the processor live. It answers the console's one question,
// "what happened to this customer, and what do I click", in words: each
// mismatch says what is wrong and what to do (Explain).
//
// It only reads. The actions a mismatch's page offers (verify and
// provision, refund, link account, dismiss, claim, note) change things and
// live elsewhere; they write their audit rows through store.Audited, with
// the target staff.MismatchTarget, which the timeline here reads back.
//
// The processor is asked through the small Processor port with a short
// deadline (LiveTimeout): a slow or failing processor gives a page with our
// side on it and "couldn't reach the processor" for the other, never a
// page that hangs. The adapter applies the shared rate budget.
//
// Errors are apperr kinds: Invalid for a filter or page link that is not
// one of ours, NotFound for an unknown mismatch.
package console
