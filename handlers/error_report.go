package handlers

import "time"

// ErrorReport is what the ErrorHandler stores for each reference it shows,
// so support can find the request from what the customer quotes.
//
// It mirrors store.ErrorReport field for field; internal/store is being
// written alongside this package, and when it lands this becomes
// `type ErrorReport = store.ErrorReport`.
type ErrorReport struct {
	Ref       string // "ERR-" + 8 Crockford base32 characters, shown to the customer
	Method    string
	Route     string // the request path (not the pattern), so support sees which page failed
	Status    int
	OrderID   *int64 // set when a handler knew the order (see setOrderID)
	Err       string // the full error chain; stored, never shown
	RequestID string
	At        time.Time
}
