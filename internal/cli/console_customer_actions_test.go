package cli

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/staff"
)

// actionOn is the form of action in the mismatch's actions region on p, as
// a click would send it: its target and its fields.
func actionOn(t *testing.T, p page, mismatchID int64, action string) (string, url.Values) {
	t.Helper()
	for _, region := range p.all("mismatch-actions") {
		if attrOf(region, "data-mismatch") != strconv.FormatInt(mismatchID, 10) {
			continue
		}
		var form *html.Node
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "form" && attrOf(n, "data-action") == action {
				form = n
			}
			for c := n.FirstChild; form == nil && c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(region)
		require.NotNil(t, form, "no %s form for mismatch %d", action, mismatchID)
		fields := url.Values{}
		var inputs func(*html.Node)
		inputs = func(n *html.Node) {
			if n.Type == html.ElementNode && n.Data == "input" && attrOf(n, "type") == "hidden" {
				fields.Set(attrOf(n, "name"), attrOf(n, "value"))
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				inputs(c)
			}
		}
		inputs(form)
		return attrOf(form, "action"), fields
	}
	t.Fatalf("no actions for mismatch %d on the page", mismatchID)
	return "", nil
}

// TestConsoleCustomerPageActs: the open mismatch's actions are on the
// customer's page. A page from before a claim is refused there with who
// claimed it, plainly and over htmx, and nothing changes; Take over over
// htmx comes back to the page; one click of Verify & provision then
// serves the order and lands back on the customer's page with the words.
// A back field naming another site or page is ignored.
func TestConsoleCustomerPageActs(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	order, _, m := s.stuckMismatch(t, "stuck@example.test")
	customer := "/console/customers/stuck@example.test"
	alice := s.staffBrowser(t, "alice@shop.test", staff.RoleSupport)
	bob := s.staffBrowser(t, "bob@shop.test", staff.RoleSupport)

	stale := alice.get(t, customer)
	require.Equal(t, http.StatusOK, stale.status, stale.body)
	require.Len(t, stale.all("customer-mismatch"), 1)
	staleTarget, staleForm := actionOn(t, stale, m.ID, "verify-provision")
	assert.Equal(t, customer, staleForm.Get("back"))
	assert.Equal(t, strconv.Itoa(m.Version), staleForm.Get("version"))

	// Bob claims it from his copy of the page: he stays there, told so.
	bp := bob.get(t, customer)
	target, form := actionOn(t, bp, m.ID, "claim")
	res := bob.post(t, target, form)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, customer, res.header.Get("Location"))
	assert.Equal(t, "You are on this: the other person sees it.", bob.get(t, customer).one(t, "flash"))

	// Alice's page is now stale: refused on the customer page, with why.
	res = alice.post(t, staleTarget, staleForm)
	require.Equal(t, http.StatusConflict, res.status, res.body)
	assert.Equal(t, "stuck@example.test", attrOf(res.all("customer")[0], "data-email"), "the customer page, not the mismatch's")
	assert.Contains(t, res.one(t, "action-refusal"), "Bob claimed this")
	assert.Equal(t, res.one(t, "action-refusal"), res.one(t, "flash"))
	assert.Zero(t, s.count(t, `SELECT count(*) FROM orders WHERE fulfilled_at IS NOT NULL`), "a stale page changed nothing")
	assert.Equal(t, 0, s.audits(t, "verify_provision", m))

	// Over htmx the refusal goes to that mismatch's slot on the page.
	target, form = actionOn(t, stale, m.ID, "claim")
	hx := alice.postHX(t, target, form)
	require.Equal(t, http.StatusConflict, hx.status, hx.body)
	slot := "action-refusal-" + strconv.FormatInt(m.ID, 10)
	assert.Equal(t, "#"+slot, hx.header.Get("HX-Retarget"))
	assert.Contains(t, hxFlash(t, hx), "Bob claimed this")
	assert.Contains(t, hx.body, `id="`+slot+`"`)
	assert.Equal(t, "bob@shop.test", s.mismatchState(t, m.ID).ClaimedBy, "still Bob's")
	fresh := alice.get(t, customer)
	assert.Contains(t, fresh.body, `id="`+slot+`"`, "the slot the refusal replaces is on the page")

	// Done over htmx: the browser goes back to the customer page, whose
	// flash says what happened.
	target, form = actionOn(t, fresh, m.ID, "claim")
	require.Equal(t, "1", form.Get("take_over"), "Bob is on it: the button is Take over")
	hx = alice.postHX(t, target, form)
	require.Equal(t, http.StatusNoContent, hx.status, hx.body)
	assert.Equal(t, customer, hx.header.Get("HX-Redirect"))
	fresh = alice.get(t, customer)
	assert.Equal(t, "You took this over from Bob.", fresh.one(t, "flash"))

	// One click from the fresh page serves the customer; back on their page.
	target, form = actionOn(t, fresh, m.ID, "verify-provision")
	res = alice.post(t, target, form)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	require.Equal(t, customer, res.header.Get("Location"))
	after := alice.get(t, customer)
	assert.Regexp(t, `^Provisioned: stuck@example.test now has Pro \(yearly\) until .+; we emailed them\.$`, after.one(t, "flash"))
	assert.Empty(t, after.all("customer-mismatch"), "resolved, so no longer open")
	assert.Equal(t, string(billing.ViaStaff), s.orderByRef(t, order.PublicRef).FulfilledVia)
	assert.Equal(t, 1, s.audits(t, "verify_provision", m))

	// A back field naming another site or page is not followed.
	for _, back := range []string{"https://evil.example/console/customers/x@y", "//evil.example/console/customers/x@y",
		"/console/customers/../mismatches", "/console/staff"} {
		version := strconv.Itoa(s.mismatchState(t, m.ID).Version)
		res = alice.post(t, MismatchPath(m.ID)+"/note", url.Values{"version": {version}, "note": {"hello"}, "back": {back}})
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		assert.Equal(t, MismatchPath(m.ID), res.header.Get("Location"), back)
	}
}

// MismatchPath is the mismatch's page.
func MismatchPath(id int64) string { return "/console/mismatches/" + strconv.FormatInt(id, 10) }
