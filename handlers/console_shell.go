package handlers

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/backstophq/backstop/views"
)

// navItem is one link of the console's navigation and who sees it.
type navItem struct {
	label, href string
	access      access
}

// consoleNav is the console's navigation, in order.
var consoleNav = []navItem{
	{"Dashboard", "/console/", supportRole},
	{"Mismatches", "/console/mismatches", supportRole},
	{"Customers", "/console/customers", supportRole},
	{"Emails", "/console/emails", supportRole},
	{"Templates", "/console/templates", supportRole},
	{"Incidents", "/console/incidents", supportRole},
	{"Runs", "/console/runs", supportRole},
	{"Audit log", "/console/audit", supportRole},
	{"Staff", "/console/staff", adminRole},
}

// shell is what the layout shows around a page: who is signed in, the
// navigation with current marked, the alerts and the flash. An htmx
// partial has no layout, so it reads no alerts and leaves the flash for
// the next full page.
func (h staffConsole) shell(c *fiber.Ctx, current string) views.ConsoleShell {
	u := signedInStaff(c)
	s := views.ConsoleShell{Email: u.Email, Role: string(u.Role), CSRFToken: csrfToken(c), Now: h.now(),
		Search: c.Query("q"), FocusSearch: current == "/console/"}
	if isPartialRequest(c) {
		return s
	}
	s.Alerts, s.Flash = h.core.Alerts(c.UserContext()), takeFlash(c, h.secure)
	for _, n := range consoleNav {
		if may(u.Role, n.access) {
			s.Nav = append(s.Nav, views.NavItem{Label: n.label, Href: n.href, Current: n.href == current})
		}
	}
	return s
}

// flashCookie carries a message to the page after a redirect, once.
const flashCookie = "backstop_flash"

// flashNext leaves msg for the next console page this browser loads: the
// message of a plain form post, which answers 303.
func flashNext(c *fiber.Ctx, msg string, secure bool) {
	c.Cookie(consoleCookie(flashCookie, base64.RawURLEncoding.EncodeToString([]byte(msg)), 60, secure))
}

// flashNow sends msg with an htmx response that swaps part of the page:
// htmx raises the event and console.js shows it in the flash area. A
// header, not out-of-band HTML, since htmx 2 drops that on 4xx answers.
func flashNow(c *fiber.Ctx, msg string) {
	b, _ := json.Marshal(map[string]map[string]string{"backstop:flash": {"message": msg}})
	c.Set("HX-Trigger", string(b))
}

// takeFlash returns the message flashNext left, clearing it; "" if none.
// Only text from our own cookie is shown, escaped like any other text.
func takeFlash(c *fiber.Ctx, secure bool) string {
	v := c.Cookies(flashCookie)
	if v == "" {
		return ""
	}
	c.Cookie(consoleCookie(flashCookie, "", -1, secure))
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || !isText(b) || len(b) > 500 {
		return ""
	}
	return string(b)
}
