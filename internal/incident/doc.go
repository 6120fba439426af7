// Package incident is incident mode (DESIGN section 9): after an outage,
// staff or an operator name a window (at most 3 days) and Backstop lists
// every processor object created in it (by creation time, never from
// events, which the processor may not have made), classifies each succeeded
// payment against our orders, grants and emails with set-based SQL, and
// stores the plan: paid, served, emailed and the action for each payment.
//
// Running a plan enqueues one River job per payment to act on; each goes
// through billing's one Fulfill with fulfilled_via = incident, so a payment
// already served is never served twice. When every job is done, one
// incident_apology goes to each affected customer (one per address, never
// to a customer the incident did not touch). Every effect writes its audit
// row in the transaction of the effect, and a run can be cancelled: the
// payments not yet acted on are then left alone.
package incident
