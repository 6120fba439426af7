package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/staff"
)

var nonceInPage = regexp.MustCompile(`name="nonce" value="([^"]+)"`)

// TestConsoleCustomerPage: a staff member pastes a paying customer's email,
// lands on their page and sees the order served and how, the payment with
// the processor's live state, and the email; Resend queues one copy of the
// same email, audited once, and the same form sent twice queues nothing
// more.
func TestConsoleCustomerPage(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	ctx := context.Background()
	order, session := s.paidOrder(t, "jane@example.test")
	_, err := s.billing.ReturnFromCheckout(ctx, session)
	require.NoError(t, err)
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)

	p := b.get(t, "/console/customers?q="+url.QueryEscape(" JANE@example.test "))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, "/console/customers/jane@example.test", p.header.Get("Location"))
	p = b.get(t, p.header.Get("Location"))
	require.Equal(t, http.StatusOK, p.status, p.body)

	var sources []string
	for _, it := range p.all("timeline-item") {
		sources = append(sources, attrOf(it, "data-source"))
	}
	for _, want := range []string{"order", "payment", "order_event", "email"} {
		assert.Contains(t, sources, want)
	}
	assert.Contains(t, p.one(t, "timeline-order"), "fulfilled via return page")
	assert.Contains(t, p.one(t, "timeline-payment-live"), "processor: succeeded, $249.00")
	assert.Contains(t, p.one(t, "processor-fetched"), "fetched at")
	assert.Contains(t, p.one(t, "customer-entitlement"), "access until")
	assert.Contains(t, p.one(t, "customer-grant"), order.PublicRef)
	require.Len(t, p.all("action-resend"), 1)
	emails := s.emailMessages(t, "jane@example.test", mail.OrderConfirmation)
	require.Len(t, emails, 1)
	first := emails[0]

	resend := "/console/emails/" + strconv.FormatInt(first.ID, 10) + "/resend"
	form := url.Values{"nonce": {nonceInPage.FindStringSubmatch(p.body)[1]}, "back": {"/console/customers/jane@example.test"}}
	res := b.post(t, resend, form)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	after := b.get(t, res.header.Get("Location"))
	assert.Contains(t, after.one(t, "flash"), "Resent: a new copy of")
	emails = s.emailMessages(t, "jane@example.test", mail.OrderConfirmation)
	require.Len(t, emails, 2)
	cp := emails[1]
	assert.Equal(t, []any{first.Subject, first.HTMLBody, first.TextBody, *first.TemplateVersion, first.To},
		[]any{cp.Subject, cp.HTMLBody, cp.TextBody, *cp.TemplateVersion, cp.To}, "the same email, as rendered")
	assert.NotEqual(t, first.MessageID, cp.MessageID)
	assert.NotEqual(t, first.DedupeKey, cp.DedupeKey)
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2 AND actor = 'ana@example.test'`,
		mail.ActionResent, mail.EmailTarget(first.ID)))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND args->>'message_id' = $1`,
		strconv.FormatInt(cp.ID, 10)), "its delivery is enqueued")

	// The same form again (a double click): nothing more, and it says so.
	res = b.post(t, resend, form)
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Contains(t, b.get(t, res.header.Get("Location")).one(t, "flash"), "already resent")
	assert.Len(t, s.emailMessages(t, "jane@example.test", mail.OrderConfirmation), 2)
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM audit_log WHERE action = $1`, mail.ActionResent))

	// The new email and who resent it are on the page, newest first.
	p = b.get(t, "/console/customers/jane@example.test")
	assert.Len(t, p.all("action-resend"), 2)
	items := p.all("timeline-item")
	assert.ElementsMatch(t, []string{"staff", "email"}, []string{attrOf(items[0], "data-source"), attrOf(items[1], "data-source")})
	assert.Contains(t, textOf(items[0]), "ana@example.test: email.resent")
}

// TestConsoleResendGuards: Resend needs a signed-in staff member and the
// page's CSRF token; refused, it queues and audits nothing.
func TestConsoleResendGuards(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	_, session := s.paidOrder(t, "guard@example.test")
	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)
	id := s.emailMessages(t, "guard@example.test", mail.OrderConfirmation)[0].ID
	resend := "/console/emails/" + strconv.FormatInt(id, 10) + "/resend"
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	p := b.get(t, "/console/emails/"+strconv.FormatInt(id, 10))
	require.Equal(t, http.StatusOK, p.status, p.body)
	nonce := nonceInPage.FindStringSubmatch(p.body)[1]

	res := b.post(t, resend, url.Values{"nonce": {nonce}, "csrf_token": {"forged"}})
	assert.Equal(t, http.StatusForbidden, res.status, "no CSRF token, no resend")

	stranger := &staffBrowser{s: s, cookies: map[string]string{}}
	stranger.get(t, "/console/login") // a CSRF token of its own, and no session
	res = stranger.post(t, resend, url.Values{"nonce": {nonce}})
	assert.Equal(t, http.StatusUnauthorized, res.status, "not signed in, no resend")

	assert.Len(t, s.emailMessages(t, "guard@example.test", mail.OrderConfirmation), 1)
	assert.Equal(t, 0, s.count(t, `SELECT count(*) FROM audit_log WHERE action = $1`, mail.ActionResent))
}

// TestConsoleSearchNeedsSignIn: the search and the customer page reveal
// nothing to someone not signed in, not even whether the address bought.
func TestConsoleSearchNeedsSignIn(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	order, session := s.paidOrder(t, "secret@example.test")
	_, err := s.billing.ReturnFromCheckout(context.Background(), session)
	require.NoError(t, err)
	for _, target := range []string{"/console/customers?q=secret%40example.test", "/console/customers?q=" + order.PublicRef,
		"/console/customers/secret@example.test", "/console/emails?to=secret%40example.test", "/console/customers?q=nobody%40example.test"} {
		res, body := s.do(t, httptest.NewRequest(http.MethodGet, target, nil))
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, target)
		assert.Equal(t, "/console/login", res.Header.Get("Location"), target)
		assert.NotContains(t, body, "secret", target)
		assert.NotContains(t, body, order.PublicRef, target)
	}

	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	p := b.get(t, "/console/customers?q=nobody%40example.test")
	require.Equal(t, http.StatusOK, p.status)
	assert.Contains(t, p.one(t, "search-miss"), "Nothing matches \u201cnobody@example.test\u201d")
	dash := b.get(t, "/console/")
	box := dash.all("customer-search")
	require.Len(t, box, 1, "the search box is on the dashboard")
	assert.True(t, strings.Contains(dash.body, `name="q"`) && strings.Contains(dash.body, "autofocus"), "and focused there")
}

// TestConsoleCustomerOpenMismatch: a payment we hold no order for is found
// by its payment id through its mismatch, and the customer page links the
// mismatch's page beside its actions.
func TestConsoleCustomerOpenMismatch(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	var id int64
	require.NoError(t, s.store.DB().Get(&id, `INSERT INTO mismatches (kind, subject, email, payment_intent_id, amount, currency)
		VALUES ('orphan_payment', 'pi_lost', 'lost@example.test', 'pi_lost', 24900, 'usd') RETURNING id`))
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	p := b.get(t, "/console/customers?q=pi_lost")
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = b.get(t, p.header.Get("Location"))
	require.Equal(t, http.StatusOK, p.status, p.body)
	rows := p.all("customer-mismatch")
	require.Len(t, rows, 1)
	assert.Contains(t, textOf(rows[0]), "$249.00")
	assert.Contains(t, p.body, `href="/console/mismatches/`+strconv.FormatInt(id, 10)+`"`)
	assert.Equal(t, "No account: this customer has never been served.", p.one(t, "customer-account-none"))
	assert.Equal(t, "mismatch", attrOf(p.all("timeline-item")[0], "data-source"))
}
