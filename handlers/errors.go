package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/views"
)

// recordTimeout bounds storing an error report. It runs on a context that
// outlives the request's own, which may be the deadline that failed.
const recordTimeout = 3 * time.Second

// orderIDKey is where a handler leaves the order it was working on, so the
// error report can point support at it.
const orderIDKey = "backstop.order_id"

// setOrderID tells the ErrorHandler which order the request concerns.
func setOrderID(c *fiber.Ctx, id int64) { c.Locals(orderIDKey, id) }

// retryFormKey is where a handler leaves the form the error page may offer
// to send again (a checkout refused while we were busy).
const retryFormKey = "backstop.retry_form"

func setRetryForm(c *fiber.Ctx, f views.RetryForm) { c.Locals(retryFormKey, &f) }

func retryFormOf(c *fiber.Ctx) *views.RetryForm {
	f, _ := c.Locals(retryFormKey).(*views.RetryForm)
	return f
}

// errorHandler turns any error returned by a handler (or a recovered panic)
// into the error page: a status from the error's kind, a safe message, a
// Retry-After on 503, and either a reference stored with the full chain
// and an error log line (a genuine failure, see needsReport) or a count by
// route and status.
type errorHandler struct {
	log      *slog.Logger
	recorder interface {
		RecordError(context.Context, ErrorReport) error
	}
	// unrecorded counts the error pages shown without a stored report.
	unrecorded   *prometheus.CounterVec
	supportEmail string
}

func newErrorHandler(d Deps) *errorHandler {
	unrecorded := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "backstop_error_pages_unrecorded_total",
		Help: "Error pages shown without a stored report, since nothing needs looking up " +
			"(bad input, not found, CSRF refusals, overload), by route pattern and status.",
	}, []string{"route", "status"})
	return &errorHandler{log: d.Logger, recorder: d.Errors, supportEmail: d.SupportEmail,
		unrecorded: register(d.Metrics, unrecorded)}
}

// needsReport says whether an error page is worth a stored report: only a
// genuine failure of ours (a 5xx other than 503) is something support may
// have to look up. Refusals of bad input, unknown pages, CSRF refusals and
// "busy, try again" (503) need no investigation, and anyone can cause any
// number of them: a row each would let anonymous requests fill the table.
// They are counted instead (backstop_error_pages_unrecorded_total), and
// their page shows no reference, so nobody is told to quote one that
// leads nowhere.
func needsReport(status int) bool {
	return status >= fiber.StatusInternalServerError && status != fiber.StatusServiceUnavailable
}

func (h *errorHandler) handle(c *fiber.Ctx, err error) error {
	status := statusOf(err)
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, retryAfter(err))
	}
	if !needsReport(status) {
		h.logError(c, ErrorReport{Method: c.Method(), Route: c.Path(), Status: status,
			OrderID: orderIDOf(c), RequestID: requestIDOf(c)}, err)
		h.unrecorded.WithLabelValues(routeOf(c), strconv.Itoa(status)).Inc()
		v := errorView(err, status, "", h.supportEmail)
		v.Retry = retryFormOf(c)
		return h.render(c, status, v)
	}
	report := ErrorReport{
		Ref:       newRef(),
		Method:    c.Method(),
		Route:     c.Path(),
		Status:    status,
		OrderID:   orderIDOf(c),
		Err:       err.Error(),
		RequestID: requestIDOf(c),
		At:        time.Now().UTC(),
	}
	h.logError(c, report, err)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), recordTimeout)
	defer cancel()
	if rerr := h.recorder.RecordError(ctx, report); rerr != nil {
		// The page still shows the reference: the log line below carries
		// everything the report would have, so support can still find it.
		h.log.Error("error report not stored", "ref", report.Ref, "err", rerr)
	}
	return h.render(c, status, errorView(err, status, report.Ref, h.supportEmail))
}

func (h *errorHandler) render(c *fiber.Ctx, status int, v views.ErrorView) error {
	v.Staff = c.Path() == "/console" || strings.HasPrefix(c.Path(), "/console/")
	if isPartialRequest(c) {
		// Land the error in <main> whatever element asked, replacing it.
		c.Set("HX-Retarget", "#main")
		c.Set("HX-Reswap", "innerHTML")
	}
	return render(c, status, views.ErrorPage(v), views.ErrorPartial(v))
}

func (h *errorHandler) logError(c *fiber.Ctx, r ErrorReport, err error) {
	attrs := []any{"ref", r.Ref, "route", routeOf(c), "method", r.Method, "path", r.Route,
		"status", r.Status, "request_id", r.RequestID, "err", err}
	if r.OrderID != nil {
		attrs = append(attrs, "order_id", *r.OrderID)
	}
	if needsReport(r.Status) {
		h.log.Error("request failed", attrs...)
		return
	}
	if r.Status >= fiber.StatusInternalServerError {
		h.log.Warn("request shed", attrs...)
		return
	}
	h.log.Debug("request refused", attrs...)
}

// statusOf maps an error to its HTTP status: apperr kinds by the table in
// STYLE.md, a *fiber.Error keeps its code (404 unknown route, 405, …), so
// does a refusal of malformed input (422 or 400), and anything else is a
// 500.
func statusOf(err error) int {
	var bi *badInput
	if errors.As(err, &bi) {
		return bi.status
	}
	var fe *fiber.Error
	if errors.As(err, &fe) && !isAppErr(err) {
		return fe.Code
	}
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		return fiber.StatusBadRequest // forms answer 422 from their own handler
	case apperr.NotFound:
		return fiber.StatusNotFound
	case apperr.Conflict:
		return fiber.StatusConflict
	case apperr.Forbidden:
		return fiber.StatusForbidden
	case apperr.Unauthenticated:
		return fiber.StatusUnauthorized
	case apperr.Unavailable:
		return fiber.StatusServiceUnavailable
	default:
		return fiber.StatusInternalServerError
	}
}

func isAppErr(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae)
}

// errorView words the page for the customer. The title follows the status;
// the message is apperr's safe message, or a plain sentence per status. A
// *fiber.Error's own text ("Cannot GET /x") is never shown.
func errorView(err error, status int, ref, supportEmail string) views.ErrorView {
	title, fallback := wordsFor(status)
	msg := fallback
	var bi *badInput
	switch {
	case errors.As(err, &bi):
		msg = bi.message()
	case isAppErr(err):
		msg = apperr.SafeMessage(err, fallback)
	}
	return views.ErrorView{Ref: ref, StatusURL: "/status", SupportEmail: supportEmail, Title: title, Message: msg}
}

func wordsFor(status int) (title, message string) {
	switch status {
	case fiber.StatusNotFound:
		return "Page not found", "We could not find that page. The link may be old or mistyped."
	case fiber.StatusMethodNotAllowed:
		return "That did not work", "This page cannot be used that way. Please go back and try again."
	case fiber.StatusBadRequest, fiber.StatusUnprocessableEntity:
		return "That did not work", "Something in the request was not right. Please go back and try again."
	case fiber.StatusUnauthorized:
		return "Please sign in", "You need to sign in to see this page."
	case fiber.StatusForbidden:
		return "Not available to you", "You do not have access to this page."
	case fiber.StatusConflict:
		return "Already done", "This was already done. There is nothing more you need to do."
	case fiber.StatusServiceUnavailable, fiber.StatusGatewayTimeout:
		return "We are busy for a moment", "We could not finish this just now. Please try again in a minute."
	}
	if status >= fiber.StatusInternalServerError {
		return "Something went wrong on our side", "We hit a problem finishing this page. It was not your fault."
	}
	return "That did not work", "Please go back and try again."
}

// defaultRetryAfter is what a 503 tells clients to wait when the error
// does not know better.
const defaultRetryAfter = 5 * time.Second

// retryAfter is the Retry-After of a 503, in whole seconds: the wait the
// error knows of (the processor's rate budget says when a request will fit
// again), else defaultRetryAfter.
func retryAfter(err error) string {
	d := defaultRetryAfter
	var hint interface{ RetryAfter() time.Duration }
	if errors.As(err, &hint) && hint.RetryAfter() > 0 {
		d = hint.RetryAfter()
	}
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

// crockford is Crockford's base32 alphabet: no I, L, O or U, so a reference
// read over the phone is not mistaken.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newRef returns "ERR-" and 8 base32 characters: 40 random bits from
// crypto/rand, unguessable enough for a handle and short enough to read out.
func newRef() string {
	var b [5]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24; it crashes instead
	v := uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
	var out bytes.Buffer
	out.WriteString("ERR-")
	for i := 7; i >= 0; i-- {
		out.WriteByte(crockford[(v>>(5*uint(i)))&31])
	}
	return out.String()
}

func orderIDOf(c *fiber.Ctx) *int64 {
	if id, ok := c.Locals(orderIDKey).(int64); ok {
		return &id
	}
	return nil
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// routeOf is the matched route pattern (or "unmatched"), for logs.
func routeOf(c *fiber.Ctx) string {
	if r, ok := c.Locals(routeKey).(string); ok {
		return r
	}
	return c.Route().Path
}
