package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/store"
)

// caseOf is mismatch 7 at version 3, of kind, with the processor's side:
// a $249.00 payment that succeeded.
func caseOf(kind, status string) console.CaseFile {
	pay := billing.Payment{ID: "pi_1", Status: "succeeded", Amount: 24900, Currency: "usd"}
	ch := billing.Charge{ID: "ch_1", Amount: 24900, Currency: "usd", Status: "succeeded", Paid: true}
	return console.CaseFile{
		Mismatch: store.MismatchDetail{MismatchSummary: store.MismatchSummary{ID: 7, Kind: kind, Status: status,
			PaymentIntentID: "pi_1", Amount: 24900, Currency: "usd"}},
		Version: 3,
		Live:    console.Live{FetchedAt: time.Now(), Payment: &pay, Charge: &ch},
	}
}

// signedInOn is bo (support) signed in, with mismatch 7 as cf.
func signedInOn(t *testing.T, cf console.CaseFile) *consoleClient {
	t.Helper()
	b := signedIn(t, bo.Email)
	b.core.cases = map[int64]console.CaseFile{7: cf}
	return b
}

// actionButtons lists the data-testid of every action button on a page.
func actionButtons(page *html.Node) []string {
	var out []string
	for _, id := range []string{"action-claim", "action-take-over", "action-link", "action-verify-provision",
		"action-refund", "action-dismiss", "action-note"} {
		if len(byTestID(page, id)) > 0 {
			out = append(out, id)
		}
	}
	return out
}

// TestMismatchPageOffersTheActionsOfItsKind: the buttons are resolve's
// for the kind; a closed mismatch takes a note only. Every form posts to
// its route with the CSRF token and the page's version.
func TestMismatchPageOffersTheActionsOfItsKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, status string
		want         []string
	}{
		{"identity_unknown", "open", []string{"action-claim", "action-link", "action-verify-provision", "action-refund", "action-dismiss", "action-note"}},
		{"duplicate_payment", "open", []string{"action-claim", "action-refund", "action-dismiss", "action-note"}},
		{"disputed", "open", []string{"action-claim", "action-dismiss", "action-note"}},
		{"identity_unknown", "resolved", []string{"action-note"}},
	} {
		t.Run(tc.kind+" "+tc.status, func(t *testing.T) {
			t.Parallel()
			b := signedInOn(t, caseOf(tc.kind, tc.status))
			res := b.get(t, "/console/mismatches/7")
			require.Equal(t, http.StatusOK, res.status, res.body)
			page := doc(t, res.body)
			assert.Equal(t, tc.want, actionButtons(page))
			for _, form := range elements(one(t, page, "mismatch-actions"), "form") {
				assert.Equal(t, "post", attr(form, "method"))
				assert.Regexp(t, `^/console/mismatches/7/[a-z-]+$`, attr(form, "action"))
				assert.Equal(t, attr(form, "action"), attr(form, "hx-post"), "the same route with htmx")
				assert.Equal(t, "3", hiddenValue(t, form, "version"))
				assert.Equal(t, b.token, hiddenValue(t, form, csrfField))
			}
		})
	}
}

// TestMismatchPageSaysWhyBeforeTheClick: the processor's facts, read for
// the page, say why Verify & provision and Refund would refuse; the Link
// account hint stands until an account is linked; the refund's
// confirmation names the amount and what happens to access.
func TestMismatchPageSaysWhyBeforeTheClick(t *testing.T) {
	t.Parallel()
	cf := caseOf("identity_unknown", "open")
	b := signedInOn(t, cf)
	page := doc(t, b.get(t, "/console/mismatches/7").body)
	assert.Equal(t, "Link an account first: this payment has no email we can serve.", text(one(t, page, "provision-hint")))
	assert.Empty(t, byTestID(page, "provision-refusal"))
	assert.Empty(t, byTestID(page, "refund-refusal"))
	assert.Equal(t, "This refunds all that is left, $249.00, to the customer's card; this payment bought no access we gave, so none is withdrawn.",
		text(one(t, page, "refund-confirm")))

	cf.Live.Charge.Refunded, cf.Live.Charge.AmountRefunded = true, 24900
	cf.Mismatch.LinkedEmail = "kim@example.com"
	b.core.cases[7] = cf
	page = doc(t, b.get(t, "/console/mismatches/7").body)
	assert.Equal(t, "The processor says this payment was refunded in full: there is nothing to provision.", text(one(t, page, "provision-refusal")))
	assert.Equal(t, "The processor says this payment was already refunded in full.", text(one(t, page, "refund-refusal")))
	assert.Equal(t, "Linked to kim@example.com.", text(one(t, page, "linked-email")))
	assert.Empty(t, byTestID(page, "provision-hint"))
	assert.Len(t, byTestID(page, "action-verify-provision"), 1, "the button stays: the click checks again")

	dup := caseOf("duplicate_payment", "open")
	dup.Order = &store.CaseOrder{ID: 9, FulfilledAt: ptrTime(time.Now())}
	b.core.cases[7] = dup
	page = doc(t, b.get(t, "/console/mismatches/7").body)
	sentence := text(one(t, page, "refund-confirm"))
	assert.Equal(t, "This refunds all that is left, $249.00, to the customer's card, and withdraws the period this payment granted: "+
		"the customer's access ends that much sooner.", sentence)
	var refund *html.Node
	for _, f := range elements(one(t, page, "mismatch-actions"), "form") {
		if attr(f, "data-action") == "refund" {
			refund = f
		}
	}
	require.NotNil(t, refund)
	assert.Equal(t, sentence+" Send the refund?", attr(refund, "hx-confirm"), "htmx asks with the same words")
}

// TestMismatchPageClaim: nobody on it offers Claim; the claimer reads that
// they are on it; anyone else reads who is, and may only take it over.
func TestMismatchPageClaim(t *testing.T) {
	t.Parallel()
	cf := caseOf("disputed", "open")
	b := signedInOn(t, cf)
	page := doc(t, b.get(t, "/console/mismatches/7").body)
	assert.Equal(t, "Nobody is on this yet. Claim it, and the other person sees that you are.", text(one(t, page, "claim-status")))

	cf.Mismatch.ClaimedBy = bo.Email
	b.core.cases[7] = cf
	page = doc(t, b.get(t, "/console/mismatches/7").body)
	assert.Contains(t, text(one(t, page, "claim-status")), "You are on this.")
	assert.Equal(t, "You are on this", text(one(t, page, "mismatch-claimed")))
	assert.NotContains(t, actionButtons(page), "action-claim")

	cf.Mismatch.ClaimedBy = ana.Email
	b.core.cases[7] = cf
	page = doc(t, b.get(t, "/console/mismatches/7").body)
	assert.Contains(t, text(one(t, page, "claim-status")), "ana@example.com is on this.")
	assert.Equal(t, "ana@example.com is on this", text(one(t, page, "mismatch-claimed")))
	assert.Equal(t, []string{"action-take-over", "action-dismiss", "action-note"}, actionButtons(page))
}

// TestActionWithoutJavaScript: a plain form post makes one resolve call
// with the mismatch, the page's version and who is signed in, and comes
// back to the page (303), which shows the message once.
func TestActionWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := signedInOn(t, caseOf("identity_unknown", "open"))
	b.actions.result = resolve.Result{Message: "Provisioned: kim@example.com now has Pro (yearly) until 1 May 2027; we emailed them."}

	res, _ := b.post(t, "/console/mismatches/7/verify-provision", url.Values{"version": {"3"}})
	require.Equal(t, http.StatusSeeOther, res.status, res.body)
	assert.Equal(t, "/console/mismatches/7", res.header.Get("Location"))
	require.Len(t, b.actions.calls, 1)
	req := b.actions.calls[0].(resolve.Request)
	assert.Equal(t, int64(7), req.MismatchID)
	assert.Equal(t, 3, req.Version, "the page's version goes through to resolve")
	assert.Equal(t, bo, req.Actor)

	page := doc(t, b.get(t, "/console/mismatches/7").body)
	assert.Equal(t, b.actions.result.Message, text(one(t, page, "flash")))
	assert.True(t, hasAttr(one(t, doc(t, b.get(t, "/console/mismatches/7").body), "flash"), "hidden"), "shown once")
}

// TestActionOverHTMX: htmx gets the page's content afresh (no layout) and
// the message in HX-Trigger.
func TestActionOverHTMX(t *testing.T) {
	t.Parallel()
	b := signedInOn(t, caseOf("identity_unknown", "open"))
	b.actions.result = resolve.Result{Message: "Linked: this payment is for kim@example.com. Verify & provision serves it."}

	res, _ := b.post(t, "/console/mismatches/7/link", url.Values{"version": {"3"}, "email": {"kim@example.com"}}, "HX-Request", "true")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.NotContains(t, res.body, "<html")
	assert.Len(t, byTestID(doc(t, res.body), "mismatch-actions"), 1)
	assert.Equal(t, b.actions.result.Message, hxFlash(t, res))
	assert.Equal(t, resolve.LinkRequest{Request: resolve.Request{MismatchID: 7, Version: 3, Actor: bo}, Email: "kim@example.com"},
		b.actions.calls[0])
}

func hxFlash(t *testing.T, res response) string {
	t.Helper()
	var trig map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(res.header.Get("HX-Trigger")), &trig), res.header.Get("HX-Trigger"))
	return trig["backstop:flash"]["message"]
}

// TestActionRefusedWithWords: Invalid is 422, Conflict 409 and the
// processor unreachable 503, each with resolve's words: over htmx in place
// of the refusal slot (and the flash), without JavaScript on the page.
func TestActionRefusedWithWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
	}{
		{apperr.New(apperr.Invalid, "Say why you are dismissing this: the reason stays on the record."), http.StatusUnprocessableEntity},
		{apperr.New(apperr.Conflict, "Ana already provisioned this at 10:42 UTC."), http.StatusConflict},
		{apperr.New(apperr.Unavailable, "Couldn't reach the processor, try again."), http.StatusServiceUnavailable},
	} {
		words := apperr.SafeMessage(tc.err, "")
		t.Run(words, func(t *testing.T) {
			t.Parallel()
			b := signedInOn(t, caseOf("identity_unknown", "open"))
			b.actions.err = tc.err

			res, _ := b.post(t, "/console/mismatches/7/dismiss", url.Values{"version": {"3"}}, "HX-Request", "true")
			require.Equal(t, tc.status, res.status, res.body)
			assert.Equal(t, "#action-refusal", res.header.Get("HX-Retarget"))
			assert.Equal(t, "outerHTML", res.header.Get("HX-Reswap"))
			assert.Equal(t, words, text(one(t, doc(t, res.body), "action-refusal")))
			assert.Equal(t, words, hxFlash(t, res))

			res, _ = b.post(t, "/console/mismatches/7/dismiss", url.Values{"version": {"3"}})
			require.Equal(t, tc.status, res.status, res.body)
			page := doc(t, res.body)
			assert.Equal(t, words, text(one(t, page, "action-refusal")))
			assert.Equal(t, words, text(one(t, page, "flash")))
			assert.Len(t, byTestID(page, "action-dismiss"), 1, "the page, with its forms")
		})
	}
}

// TestActionFormsReachResolve: each form's fields arrive in its request;
// a form without a version, or with an amount we cannot read, is refused
// with 422 before resolve is asked.
func TestActionFormsReachResolve(t *testing.T) {
	t.Parallel()
	b := signedInOn(t, caseOf("identity_unknown", "open"))
	r := resolve.Request{MismatchID: 7, Version: 3, Actor: bo}
	for _, tc := range []struct {
		path string
		form url.Values
		want any
	}{
		{"refund", url.Values{"amount": {" $12.5 "}, "refund_reason": {"goodwill"}, "comment": {"late"}},
			resolve.RefundRequest{Request: r, Amount: 1250, Reason: resolve.ReasonGoodwill, Comment: "late"}},
		{"refund", url.Values{"amount": {""}, "refund_reason": {"duplicate"}},
			resolve.RefundRequest{Request: r, Reason: resolve.ReasonDuplicate}},
		{"dismiss", url.Values{"reason": {"test payment"}}, resolve.DismissRequest{Request: r, Reason: "test payment"}},
		{"claim", url.Values{}, resolve.ClaimRequest{Request: r}},
		{"claim", url.Values{"take_over": {"1"}}, resolve.ClaimRequest{Request: r, TakeOver: true}},
		{"note", url.Values{"note": {"called her"}}, resolve.NoteRequest{Request: r, Text: "called her"}},
	} {
		b.actions.calls = nil
		tc.form.Set("version", "3")
		res, _ := b.post(t, "/console/mismatches/7/"+tc.path, tc.form)
		require.Equal(t, http.StatusSeeOther, res.status, res.body)
		require.Equal(t, []any{tc.want}, b.actions.calls, tc.path)
	}

	b.actions.calls = nil
	for _, tc := range []struct {
		path  string
		form  url.Values
		words string
	}{
		{"verify-provision", url.Values{}, "This form did not say which version of the page it came from."},
		{"verify-provision", url.Values{"version": {"three"}}, "This form did not say which version of the page it came from."},
		{"refund", url.Values{"version": {"3"}, "amount": {"249,00"}}, "Type the amount without commas"},
		{"refund", url.Values{"version": {"3"}, "amount": {"a lot"}}, "Type the amount to refund as 249 or 249.00"},
		{"refund", url.Values{"version": {"3"}, "amount": {"0.00"}}, "A refund of nothing does nothing"},
	} {
		res, _ := b.post(t, "/console/mismatches/7/"+tc.path, tc.form)
		assert.Equal(t, http.StatusUnprocessableEntity, res.status, tc.form)
		assert.Contains(t, text(one(t, doc(t, res.body), "action-refusal")), tc.words)
	}
	assert.Empty(t, b.actions.calls, "refused before resolve is asked")
}

func ptrTime(t time.Time) *time.Time { return &t }
