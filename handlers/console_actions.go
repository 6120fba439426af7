package handlers

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/views"
)

// MismatchActions is what the buttons of a mismatch's page do
// (internal/resolve). Each returns what it did in words, or an apperr:
// Invalid (422: the form, or the processor's facts refuse it), Conflict
// (409: stale or already done, saying who did what), Unavailable,
// Forbidden, NotFound.
type MismatchActions interface {
	VerifyAndProvision(ctx context.Context, req resolve.Request) (resolve.Result, error)
	Refund(ctx context.Context, req resolve.RefundRequest) (resolve.Result, error)
	LinkAccount(ctx context.Context, req resolve.LinkRequest) (resolve.Result, error)
	Dismiss(ctx context.Context, req resolve.DismissRequest) (resolve.Result, error)
	Claim(ctx context.Context, req resolve.ClaimRequest) (resolve.Result, error)
	Note(ctx context.Context, req resolve.NoteRequest) (resolve.Result, error)
}

// action is one button of the mismatch page: the form read into the
// request for its resolve call, and the call.
type action func(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error)

// act is the handler of a POST /console/mismatches/:id/<action>: the
// mismatch, the page's version and who is signed in, one call, then the
// answer (acted).
func (h staffConsole) act(do action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req, err := actionRequest(c)
		var res resolve.Result
		if err == nil {
			res, err = do(c.UserContext(), c, req)
		}
		return h.acted(c, req.MismatchID, res, err)
	}
}

var errNoVersion = apperr.New(apperr.Invalid, "This form did not say which version of the page it came from. Reload the page and try again.")

// actionRequest reads what every action carries. The version is the one
// the page was rendered from: resolve refuses it when the mismatch has
// changed since.
func actionRequest(c *fiber.Ctx) (resolve.Request, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return resolve.Request{}, errNoSuchMismatch
	}
	req := resolve.Request{MismatchID: int64(id), Actor: signedInStaff(c)}
	if req.Version, err = strconv.Atoi(c.FormValue("version")); err != nil || req.Version <= 0 {
		return req, errNoVersion
	}
	return req, nil
}

// acted answers an action. Done: a plain form goes back to the page with
// the message as its flash (303); htmx gets the page's content afresh and
// the message in HX-Trigger. Refused with words (422 invalid, 409 stale or
// already done, 503 processor unreachable): htmx gets the words in place
// of the actions' message slot, and the flash; a plain form gets the page
// as it is now with the words. Anything else is the ErrorHandler's.
func (h staffConsole) acted(c *fiber.Ctx, id int64, res resolve.Result, err error) error {
	status, refused := refusal(err)
	if err != nil && !refused {
		return err
	}
	msg := res.Message
	if refused {
		msg = apperr.SafeMessage(err, "")
	}
	if email, ok := customerBack(c.FormValue("back")); ok {
		return h.actedFromCustomer(c, email, id, msg, status, refused)
	}
	partial := isPartialRequest(c)
	switch {
	case partial && refused:
		flashNow(c, msg)
		c.Set("HX-Retarget", "#"+views.ActionRefusalID)
		c.Set("HX-Reswap", "outerHTML")
		return render(c, status, views.ActionRefusal(msg), views.ActionRefusal(msg))
	case !partial && !refused:
		flashNext(c, msg, h.secure)
		return redirect(c, views.MismatchURL(id))
	}
	cf, err := h.core.Mismatch(c.UserContext(), id)
	if err != nil {
		return err
	}
	v := h.mismatchView(c, cf)
	if refused {
		v.Shell.Flash, v.Actions.Refusal = msg, msg
	} else {
		flashNow(c, msg)
	}
	return render(c, status, views.MismatchPage(v), views.MismatchContent(v))
}

// actedFromCustomer answers an action posted from a customer's page, so
// the person stays on it. Done: back to that page with the message as
// its flash (303, or HX-Redirect for htmx). Refused: htmx gets the words
// in that mismatch's slot and the flash, leaving what was typed; a plain
// form gets the customer's page as it is now, with the words.
func (h staffConsole) actedFromCustomer(c *fiber.Ctx, email string, id int64, msg string, status int, refused bool) error {
	if !refused {
		flashNext(c, msg, h.secure)
		return redirect(c, views.CustomerURL(email))
	}
	if isPartialRequest(c) {
		flashNow(c, msg)
		slot := views.CustomerRefusalID(id)
		c.Set("HX-Retarget", "#"+slot)
		c.Set("HX-Reswap", "outerHTML")
		return render(c, status, views.ActionRefusalIn(slot, msg), views.ActionRefusalIn(slot, msg))
	}
	f, err := h.core.Customer(c.UserContext(), email, "")
	if err != nil {
		return err
	}
	v := h.customerView(c, f)
	v.Shell.Flash, v.Refused, v.Refusal = msg, id, msg
	return render(c, status, views.CustomerPage(v), views.CustomerContent(v))
}

// refusal is the status of an action refused with words to show, and
// whether err is one.
func refusal(err error) (int, bool) {
	if err == nil {
		return fiber.StatusOK, false
	}
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		return fiber.StatusUnprocessableEntity, true
	case apperr.Conflict:
		return fiber.StatusConflict, true
	case apperr.Unavailable:
		return fiber.StatusServiceUnavailable, true
	}
	return 0, false
}
