package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/views"
)

// handleCustomerSearch is GET /console/customers?q=: one match lands on
// the customer's page; several are listed; none says so.
func (h staffConsole) handleCustomerSearch(c *fiber.Ctx) error {
	r, err := h.core.Search(c.UserContext(), c.Query("q"))
	if err != nil {
		return err
	}
	if r.Landing != "" {
		return redirect(c, views.CustomerURL(r.Landing))
	}
	v := views.SearchView{Shell: h.shell(c, "/console/customers"), Result: r}
	return render(c, fiber.StatusOK, views.SearchPage(v), views.SearchContent(v))
}

// handleCustomer is GET /console/customers/:email: the customer page, its
// timeline after ?after=.
func (h staffConsole) handleCustomer(c *fiber.Ctx) error {
	email, err := url.PathUnescape(c.Params("email"))
	if err != nil || !strings.Contains(email, "@") {
		return apperr.New(apperr.NotFound, "That is not a customer's address. Search for the customer instead.")
	}
	f, err := h.core.Customer(c.UserContext(), email, c.Query("after"))
	if err != nil {
		return err
	}
	v := h.customerView(c, f)
	return render(c, fiber.StatusOK, views.CustomerPage(v), views.CustomerContent(v))
}

// customerView is a customer's page for the signed-in person.
func (h staffConsole) customerView(c *fiber.Ctx, f console.CustomerFile) views.CustomerView {
	s := h.shell(c, "/console/customers")
	return views.CustomerView{Shell: s, File: f, Nonce: newNonce(), Back: views.CustomerURL(f.Email)}
}

// handleEmails is GET /console/emails: every email, filterable by
// recipient, template and status, newest first.
func (h staffConsole) handleEmails(c *fiber.Ctx) error {
	f, err := console.ParseEmailFilter(func(k string) string { return c.Query(k) })
	if err != nil {
		return err
	}
	p, err := h.core.Emails(c.UserContext(), f)
	if err != nil {
		return err
	}
	v := views.EmailsView{Shell: h.shell(c, "/console/emails"), Page: p, Templates: mail.Names()}
	return render(c, fiber.StatusOK, views.EmailsPage(v), views.EmailsContent(v))
}

// handleEmail is GET /console/emails/:id: one email with its rendered
// parts, the HTML in a sandboxed frame, and Resend.
func (h staffConsole) handleEmail(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "There is no such email.")
	}
	m, err := h.core.EmailMessage(c.UserContext(), int64(id))
	if err != nil {
		return err
	}
	v := views.EmailView{Shell: h.shell(c, "/console/emails"), Email: m, Nonce: newNonce(), Back: views.EmailURL(m.ID)}
	c.Set(fiber.HeaderContentSecurityPolicy, mailboxCSP)
	return render(c, fiber.StatusOK, views.EmailPage(v), views.EmailContent(v))
}

// handleResend is POST /console/emails/:id/resend: the same email again,
// a copy of its own, audited with it. Done or refused, the words go back
// to the page the button was on as its flash.
func (h staffConsole) handleResend(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "There is no such email.")
	}
	res, err := h.resender.Resend(c.UserContext(), mail.Resend{EmailID: int64(id), Nonce: c.FormValue("nonce"),
		Actor: signedInStaff(c).Email})
	msg := ""
	switch _, refused := refusal(err); {
	case err == nil:
		msg = "Resent: a new copy of \u201c" + res.Original.Subject + "\u201d is on its way to " + res.Original.To +
			" (email #" + strconv.FormatInt(res.CopyID, 10) + ")."
	case refused:
		msg = apperr.SafeMessage(err, "")
	default:
		return err
	}
	flashNext(c, msg, h.secure)
	return redirect(c, backTo(c.FormValue("back"), views.EmailURL(int64(id))))
}

// backTo is where a form returns: a console page it names, else def. A
// path of ours only, so the field cannot send anyone elsewhere.
func backTo(back, def string) string {
	if strings.HasPrefix(back, "/console/") && !strings.HasPrefix(back, "//") && !strings.ContainsAny(back, "\\\r\n") {
		return back
	}
	return def
}

// customerBack is the customer whose page a form's back field names, if
// it names one: a path of ours under /console/customers/ with an email in
// it. Anything else (another site, another page) is not a customer page.
func customerBack(back string) (string, bool) {
	rest, ok := strings.CutPrefix(backTo(back, ""), "/console/customers/")
	if !ok {
		return "", false
	}
	email, err := url.PathUnescape(rest)
	if err != nil || !strings.Contains(email, "@") || strings.ContainsAny(email, "/?#") {
		return "", false
	}
	return email, true
}

// newNonce is a Resend form's one-time token (mail.Resend).
func newNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
