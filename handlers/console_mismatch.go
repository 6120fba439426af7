package handlers

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/views"
)

var errNoSuchMismatch = apperr.New(apperr.NotFound, "There is no such mismatch. The link may be mistyped.")

// handleMismatch is GET /console/mismatches/:id.
func (h staffConsole) handleMismatch(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return errNoSuchMismatch
	}
	cf, err := h.core.Mismatch(c.UserContext(), int64(id))
	if err != nil {
		return err
	}
	v := h.mismatchView(c, cf)
	return render(c, fiber.StatusOK, views.MismatchPage(v), views.MismatchContent(v))
}

// mismatchView is a mismatch's page for the signed-in person: the case
// file and the actions that fit it, with what the processor's facts (read
// for the page) say of the money actions before anyone clicks. They are
// checked again at click time.
func (h staffConsole) mismatchView(c *fiber.Ctx, cf console.CaseFile) views.MismatchView {
	s := h.shell(c, "/console/mismatches")
	m := cf.Mismatch
	a := views.NewCaseActions(s, views.CaseState{
		ID: m.ID, Kind: m.Kind, Status: m.Status, Version: cf.Version,
		LinkedEmail: m.LinkedEmail, ClaimedBy: m.ClaimedBy, Granted: cf.Order != nil && cf.Order.FulfilledAt != nil,
		Subscription: m.SubscriptionID,
	})
	if l := cf.Live; l.Payment != nil && !l.Unreachable {
		var ch billing.Charge
		if l.Charge != nil {
			ch = *l.Charge
		}
		a.Verdict, a.Judged = resolve.Assess(*l.Payment, ch), true
	}
	return views.MismatchView{Shell: s, Case: cf, Actions: a}
}

func (h staffConsole) verifyProvision(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error) {
	return h.actions.VerifyAndProvision(ctx, req)
}

func (h staffConsole) refund(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error) {
	amount, err := parseRefundAmount(c.FormValue("amount"))
	if err != nil {
		return resolve.Result{}, err
	}
	return h.actions.Refund(ctx, resolve.RefundRequest{Request: req, Amount: amount,
		Reason: resolve.RefundReason(c.FormValue("refund_reason")), Comment: c.FormValue("comment")})
}

func (h staffConsole) linkAccount(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error) {
	return h.actions.LinkAccount(ctx, resolve.LinkRequest{Request: req, Email: c.FormValue("email")})
}

func (h staffConsole) dismiss(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error) {
	return h.actions.Dismiss(ctx, resolve.DismissRequest{Request: req, Reason: c.FormValue("reason")})
}

func (h staffConsole) claim(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error) {
	return h.actions.Claim(ctx, resolve.ClaimRequest{Request: req, TakeOver: c.FormValue("take_over") == "1"})
}

func (h staffConsole) note(ctx context.Context, c *fiber.Ctx, req resolve.Request) (resolve.Result, error) {
	return h.actions.Note(ctx, resolve.NoteRequest{Request: req, Text: c.FormValue("note")})
}

// parseRefundAmount reads the refund form's amount into minor units; blank
// is 0, which refunds all that is left.
func parseRefundAmount(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	amount, err := billing.MinorUnits(s)
	switch {
	case errors.Is(err, billing.ErrAmountComma):
		return 0, apperr.New(apperr.Invalid, "Type the amount without commas, with a dot before the cents: 249.00, or 1249.00.")
	case err != nil:
		return 0, apperr.New(apperr.Invalid, views.RefundAmountHelp)
	case amount == 0:
		return 0, apperr.New(apperr.Invalid, "A refund of nothing does nothing: type an amount, or leave it blank to refund all that is left.")
	}
	return amount, nil
}
