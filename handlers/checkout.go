package handlers

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
)

// Checkout is the part of the billing workflows the checkout pages drive.
type Checkout interface {
	StartCheckout(ctx context.Context, f billing.CheckoutForm) (billing.Order, string, error)
	// PriorOrder says whether the order a browser's cookie names stops it
	// from being sent to a new payment page, asking the processor live.
	PriorOrder(ctx context.Context, ref string) (billing.Prior, error)
	ReturnFromCheckout(ctx context.Context, sessionID string) (billing.Order, error)
	OrderStatus(ctx context.Context, ref string) (billing.OrderStatus, error)
}

// PlanLister lists the catalogue; activeOnly limits it to plans on sale.
type PlanLister interface {
	Plans(ctx context.Context, activeOnly bool) ([]billing.Plan, error)
}

// handleCheckout is POST /checkout: the order is written before any money
// moves, then the customer goes to the processor's payment page, and the
// browser keeps the order's reference in a cookie. When the browser's
// earlier order for the plan is paid or still open, the customer goes to its
// status page instead (unless the form is a deliberate second purchase,
// again=1). An invalid form comes back with 422 and the reason beside the
// field.
func handleCheckout(co Checkout, plans PlanLister, oc orderCookie) fiber.Handler {
	return func(c *fiber.Ctx) error {
		form := billing.CheckoutForm{Email: c.FormValue("email"), PlanCode: c.FormValue("plan"), FormToken: c.FormValue("form_token")}
		if c.FormValue("again") != "1" {
			form.PriorRef = oc.ref(c)
		}
		order, payURL, err := co.StartCheckout(c.UserContext(), form)
		var fe *billing.FieldError
		if errors.As(err, &fe) {
			return renderCheckoutError(c, plans, form, fe)
		}
		if apperr.Is(err, apperr.Unavailable) {
			// Busy: the order, if one was written, waits for this same
			// form token, so the error page offers the form again as sent.
			setRetryForm(c, views.RetryForm{Email: form.Email, PlanCode: form.PlanCode, FormToken: form.FormToken})
		}
		if err != nil {
			return err
		}
		oc.set(c, order.PublicRef)
		if payURL == "" { // paid already, or still open: show where it stands
			return redirect(c, priorStatusURL(order.PublicRef))
		}
		return redirect(c, payURL)
	}
}

func renderCheckoutError(c *fiber.Ctx, plans PlanLister, f billing.CheckoutForm, fe *billing.FieldError) error {
	list, err := plans.Plans(c.UserContext(), true)
	if err != nil {
		return err
	}
	token := f.FormToken
	if fe.Field == "form" || token == "" {
		token = newFormToken()
	}
	v := views.PricingView{Plans: list, FormToken: token, Selected: f.PlanCode, Email: f.Email, Again: c.FormValue("again") == "1"}
	if fe.Field == "email" {
		v.Errors.Email = fe.Msg
	} else {
		v.Errors.Form = fe.Msg
	}
	for _, p := range list {
		if p.Code == f.PlanCode {
			return render(c, fiber.StatusUnprocessableEntity, views.PricingPage(v), views.CheckoutForm(v, p))
		}
	}
	// The plan is gone: show the whole page again, with the first plan's
	// form carrying the message.
	if len(list) > 0 {
		v.Selected = list[0].Code
	}
	return render(c, fiber.StatusUnprocessableEntity, views.PricingPage(v), views.PricingContent(v))
}

// redirect sends a browser on after a POST: htmx follows HX-Redirect, a plain
// form gets 303 See Other.
func redirect(c *fiber.Ctx, to string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// handleCheckoutReturn is GET /checkout/return?session_id=: where the
// processor sends the customer after paying. The session is verified with the
// processor, fulfilled if paid, and the status page shows the outcome.
func handleCheckoutReturn(co Checkout, supportEmail string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		order, err := co.ReturnFromCheckout(c.UserContext(), c.Query("session_id"))
		if err != nil {
			return err
		}
		st, err := co.OrderStatus(c.UserContext(), order.PublicRef)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		v := statusView(order.PublicRef, st, supportEmail, 0)
		return render(c, fiber.StatusOK, views.StatusPage(v), views.StatusPanel(v))
	}
}
