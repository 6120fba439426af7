package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/staff"
)

// postHX posts form as htmx does, with the token as field and header.
func (b *staffBrowser) postHX(t *testing.T, target string, form url.Values) page {
	t.Helper()
	form.Set("csrf_token", b.token)
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", b.token)
	return b.do(t, req)
}

// version is the version the mismatch page at path was rendered from.
func (b *staffBrowser) version(t *testing.T, path string) string {
	t.Helper()
	p := b.get(t, path)
	slot := p.all("mismatch-actions")
	require.Len(t, slot, 1, p.body)
	return attrOf(slot[0], "data-version")
}

func hxFlash(t *testing.T, p page) string {
	t.Helper()
	var trig map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(p.header.Get("HX-Trigger")), &trig), p.header.Get("HX-Trigger"))
	return trig["backstop:flash"]["message"]
}

// TestConsoleActionsServeTheSeedCase is the seed's support case through
// the console's routes, the real resolve and the simulator: refusals with
// their words (no reason 422, not linked yet 422, a page from before the
// link 409 naming who linked it), then Link account over htmx and Verify &
// provision as a plain form: one order served by staff, one email, the
// page saying so and the timeline showing both.
func TestConsoleActionsServeTheSeedCase(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	id, _ := identityUnknown(t, s)
	path := "/console/mismatches/" + strconv.FormatInt(id, 10)
	alice := s.staffBrowser(t, "alice@shop.test", staff.RoleSupport)
	before := alice.version(t, path)

	p := alice.post(t, path+"/dismiss", url.Values{"version": {before}, "reason": {"  "}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.status)
	assert.Equal(t, "Say why you are dismissing this: the reason stays on the record.", p.one(t, "action-refusal"))
	p = alice.post(t, path+"/verify-provision", url.Values{"version": {before}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.status)
	assert.Contains(t, p.one(t, "action-refusal"), "link an account first")

	p = alice.postHX(t, path+"/link", url.Values{"version": {before}, "email": {"kim@example.test"}})
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Equal(t, "Linked: this payment is for kim@example.test. Verify & provision serves it.", hxFlash(t, p))
	assert.Equal(t, "Linked to kim@example.test.", p.one(t, "linked-email"), "the swapped content shows the link")
	after := attrOf(p.all("mismatch-actions")[0], "data-version")
	assert.NotEqual(t, before, after)

	p = alice.postHX(t, path+"/verify-provision", url.Values{"version": {before}})
	assert.Equal(t, http.StatusConflict, p.status)
	assert.Equal(t, "#action-refusal", p.header.Get("HX-Retarget"))
	assert.Contains(t, p.one(t, "action-refusal"), "Alice linked this payment to an account at ")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM orders`), "a stale page changed nothing")

	p = alice.post(t, path+"/verify-provision", url.Values{"version": {after}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	page := alice.get(t, path)
	assert.Regexp(t, `^Provisioned: kim@example.test now has Pro \(yearly\) until .+; we emailed them\.$`, page.one(t, "flash"))
	assert.Contains(t, page.one(t, "actions-closed"), "resolved")
	assert.Equal(t, "fulfilled (via staff)", page.facts(t, "our-order")["Status"])
	var timeline []string
	for _, it := range page.all("timeline-item") {
		timeline = append(timeline, textOf(it))
	}
	require.Len(t, timeline, 5, "found, linked, the order rebuilt and served, provisioned: %q", timeline)
	assert.Contains(t, timeline[1], "alice@shop.test: mismatch.link_account")
	assert.Contains(t, timeline[3], "via: staff")
	assert.Contains(t, timeline[4], "alice@shop.test: mismatch.verify_provision")
	assert.Equal(t, []string{"support_resolution"}, s.emailsTo(t, "kim@example.test"))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mismatch.verify_provision' AND actor = 'alice@shop.test'`))
}

// TestConsoleClaimIsSeenByTheOtherPerson: Alice's claim is on Bob's page,
// with Take over; Bob taking it over is audited with whom it was taken from.
func TestConsoleClaimIsSeenByTheOtherPerson(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	id, _ := identityUnknown(t, s)
	path := "/console/mismatches/" + strconv.FormatInt(id, 10)
	alice := s.staffBrowser(t, "alice@shop.test", staff.RoleSupport)
	bob := s.staffBrowser(t, "bob@shop.test", staff.RoleAdmin)

	p := alice.postHX(t, path+"/claim", url.Values{"version": {alice.version(t, path)}})
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Equal(t, "You are on this: the other person sees it.", hxFlash(t, p))
	assert.Contains(t, p.one(t, "claim-status"), "You are on this.")

	page := bob.get(t, path)
	assert.Equal(t, "alice@shop.test is on this", page.one(t, "mismatch-claimed"))
	assert.Empty(t, page.all("action-claim"))
	v := attrOf(page.all("mismatch-actions")[0], "data-version")
	p = bob.post(t, path+"/claim", url.Values{"version": {v}, "take_over": {"1"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "You took this over from Alice.", bob.get(t, path).one(t, "flash"))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = 'mismatch.take_over' AND details->>'previous' = 'alice@shop.test'`))
}
