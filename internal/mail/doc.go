// Package mail is how Backstop talks to customers and staff by email: the
// ten editable, versioned templates, their validation and rendering, the
// editor that changes them, the outbox that queues an email in the same
// transaction as the change that caused it, and the delivery of queued
// emails through SMTP or the dev mailbox.
//
// # Templates, versions and the editor
//
// A template has a subject, an HTML body and a text body, rendered with
// html/template and text/template from one typed struct, Data. Versions are
// insert-only: version 0 is the shipped default as first seeded, the newest
// is live, and every email row keeps the version it was rendered from.
// Staff edit a draft (Editor), saved only when it validates; publishing
// makes it the next version, a revert publishes a copy of an older one, and
// both are audited with the diff. When a release changes a default, the
// versions stay as they are and the editor shows what the release changed.
//
// Validate refuses anything a template could use to reach outside Data or
// to run without end (check.go), and renders every part for every named
// SampleCase; Render holds stored templates to the same rules and caps the
// output and the time a render takes (limits.go), so no template, however
// written, can stop a worker. A live version that fails on some real data
// anyway gives way to version 0 for that email (Outbox.QueueTx).
//
// # Where it sits
//
// The billing workflows call Outbox.QueueTx inside their own transaction (for
// example Fulfill), so an email is queued if and only if the change that
// caused it committed. QueueTx stores the fully rendered email in
// email_messages and asks the Enqueuer (River, implemented in jobs) for a
// delivery job in the same transaction. The send_email job calls
// Deliverer.Deliver, which hands the stored email to a Sender: SMTPSender
// when SMTP_URL is set, else DevMailbox, for which the stored row is the
// mailbox. Every email ever queued stays in email_messages, so support can
// always answer "did we tell the customer?".
//
// # Delivery is at least once, never exactly once
//
// Exactly-once email is impossible: the SMTP server can accept a message and
// the connection (or our process) die before we hear its 250 or record it.
// Backstop therefore aims for at-least-once delivery and makes duplicates
// rare and recognisable:
//
//   - A dedupe key per logical email (for example "order:42:order_confirmation")
//     is unique in email_messages, so however often a workflow runs, one
//     logical email is queued once.
//   - Its Message-ID is generated and stored when it is queued, and every
//     attempt sends that same Message-ID, so a duplicate is the same message
//     to the recipient's mail system and to support.
//   - The attempt counter is committed before each send, so attempts are on
//     record even when the process dies mid-send.
//
// The one window that remains is after the server accepted the message and
// before the row is marked sent (the fault point email.after_send kills the
// process exactly there). A crash in that window, or a failure to record the
// success, sends that email once more on the job's retry: at most one
// duplicate per crash, with the same Message-ID. This is stated here and in
// DESIGN section 7, not hidden; TestCrashAfterSendDuplicatesOnce shows it.
//
// Temporary failures (4xx replies, network errors) are recorded in
// last_error and returned, so the job is retried with backoff. A permanent
// refusal of the recipient (5xx at RCPT TO) or an invalid address marks the
// email failed and returns an apperr.Invalid error, which the job treats as
// final.
package mail
