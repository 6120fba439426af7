package stripesim

import (
	"fmt"
	"net/http"
)

// errorBody is Stripe's error object; stripe-go decodes it into *stripe.Error
// and picks the typed wrapper (CardError, InvalidRequestError, …) from Type.
type errorBody struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message"`
	Param       string `json:"param,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
}

// apiError is an error answer: an HTTP status with Stripe's envelope.
type apiError struct {
	Status int
	Body   errorBody
}

func (e *apiError) Error() string { return e.Body.Message }

// envelope is the JSON the client receives.
func (e *apiError) envelope() any { return map[string]errorBody{"error": e.Body} }

func invalid(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Body: errorBody{
		Type: "invalid_request_error", Param: param, Message: fmt.Sprintf(format, args...),
	}}
}

func unknownParam(name string) *apiError {
	e := invalid(name, "Received unknown parameter: %s", name)
	e.Body.Code = "parameter_unknown"
	return e
}

func missingParam(name string) *apiError {
	e := invalid(name, "Missing required param: %s.", name)
	e.Body.Code = "parameter_missing"
	return e
}

// invalidValue refuses a parameter's value; Stripe sets no code for most
// such refusals.
func invalidValue(name, format string, args ...any) *apiError {
	return invalid(name, format, args...)
}

// noSuch is Stripe's 404 for an unknown id, e.g. "No such checkout.session: 'x'".
func noSuch(kind, id, param string) *apiError {
	return &apiError{Status: http.StatusNotFound, Body: errorBody{
		Type: "invalid_request_error", Code: "resource_missing", Param: param,
		Message: fmt.Sprintf("No such %s: '%s'", kind, id),
	}}
}

func unrecognizedURL(r *http.Request) *apiError {
	return &apiError{Status: http.StatusNotFound, Body: errorBody{
		Type: "invalid_request_error",
		Message: fmt.Sprintf("Unrecognized request URL (%s: %s). Please see https://stripe.com/docs "+
			"or we can help at https://support.stripe.com/.", r.Method, r.URL.Path),
	}}
}

func unauthorized(msg string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Body: errorBody{Type: "invalid_request_error", Message: msg}}
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusForbidden, Body: errorBody{
		Type: "invalid_request_error", Message: fmt.Sprintf(format, args...),
	}}
}

func idempotencyConflict(key string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Body: errorBody{
		Type: "idempotency_error",
		Message: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they "+
			"were first used with. Try using a key other than '%s' if you meant to execute a different request.", key),
	}}
}

func simulatedOutage() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Body: errorBody{
		Type: "api_error", Message: "An unknown error occurred (simulated by /_sim/faults api_error_rate).",
	}}
}

// cardDeclined is the 402 a declining test card gets.
func cardDeclined(declineCode, msg string) *apiError {
	return &apiError{Status: http.StatusPaymentRequired, Body: errorBody{
		Type: "card_error", Code: "card_declined", DeclineCode: declineCode, Message: msg,
	}}
}
