package handlers

import "github.com/backstophq/backstop/internal/store"

// ErrorReport is what the ErrorHandler stores for each reference it shows,
// so support can find the request from what the customer quotes: the
// store's own type, so no copy can drift from the table.
type ErrorReport = store.ErrorReport
