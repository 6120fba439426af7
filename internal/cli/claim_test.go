package cli

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
)

// Claim my purchase (DESIGN section 7) through the whole stack: the Fiber
// app, the billing service, the database, and the real stripe-go adapter
// against the simulator over HTTP.

// payer is how a test payment was made outside our checkout.
type payer struct {
	receipt, billing, last4 string
	meta                    map[string]string
}

// orphanPaid makes a succeeded payment of amount outside our checkout and
// returns it with its charge's receipt number.
func (s *testStack) orphanPaid(t testing.TB, amount int64, who payer) (payment, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"receipt_email": who.receipt, "billing_email": who.billing, "last4": who.last4,
		"amount": amount, "currency": "usd", "metadata": who.meta,
	})
	req, _ := http.NewRequest(http.MethodPost, s.sim.URL+"/_sim/payments", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var p payment
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
	var ch struct {
		ReceiptNumber string `json:"receipt_number"`
	}
	s.simGet(t, "/v1/charges/"+p.Charge, &ch)
	return p, ch.ReceiptNumber
}

func (s *testStack) simGet(t testing.TB, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.sim.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}

// simCalls is how many times the simulator served an endpoint.
func (s *testStack) simCalls(t testing.TB, endpoint string) int {
	t.Helper()
	var stats struct {
		ByEndpoint map[string]int `json:"by_endpoint"`
	}
	req, _ := http.NewRequest(http.MethodGet, s.sim.URL+"/_sim/stats", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&stats))
	return stats.ByEndpoint[endpoint]
}

// claimForm is the /claim form as a customer fills it in.
type claimForm struct {
	email, amount, date, last4, receipt string
}

func (f claimForm) request(htmx bool) *http.Request {
	v := url.Values{"email": {f.email}, "amount": {f.amount}, "date": {f.date}, "last4": {f.last4}, "receipt": {f.receipt}}
	req := httptest.NewRequest(http.MethodPost, "/claim", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

func daysAgo(n int) string { return time.Now().UTC().AddDate(0, 0, -n).Format(time.DateOnly) }

// outcomeOf is the data-outcome of the claim page.
func outcomeOf(t testing.TB, body string) string {
	t.Helper()
	const attr = `data-outcome="`
	i := strings.Index(body, attr)
	require.NotEqual(t, -1, i, "a claim page:\n%s", body)
	rest := body[i+len(attr):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestClaimOutcomes is each outcome of a claim against the real adapter
// and the simulator, one fresh stack each. Every claim asks the processor
// exactly once, by listing charges (never Search).
func TestClaimOutcomes(t *testing.T) {
	ana := payer{receipt: "ana@example.test", last4: "4242"}
	for _, tc := range []struct {
		name    string
		pay     *payer // the payment the processor has, if any
		amount  int64  // of pay; 24900 when zero
		refund  bool   // pay was refunded in full
		served  bool   // paid through our checkout and served already
		claim   claimForm
		receipt bool // the claim gives the payment's receipt number
		want    string
		check   func(t *testing.T, s *testStack, p payment)
	}{
		{name: "match", pay: &ana, claim: claimForm{email: "Ana@Example.test", amount: "249", date: today()},
			want: billing.ClaimServed, check: requireServedByClaim},
		{name: "match a day either side, with the card and receipt", pay: &ana,
			claim: claimForm{email: "ana@example.test", amount: "$249.00", date: daysAgo(1), last4: "4242"}, receipt: true,
			want: billing.ClaimServed, check: requireServedByClaim},
		{name: "served", served: true, claim: claimForm{email: "buyer@example.test", amount: "249.00", date: today()},
			want: billing.ClaimAlready, check: requireResent},
		{name: "card but not email", pay: &payer{receipt: "payer@example.test", billing: "payer.card@example.test", last4: "1881"},
			claim: claimForm{email: "claimant@example.test", amount: "249", date: today(), last4: "1881"},
			want:  billing.ClaimReview, check: requireClaimReview},
		{name: "an amount no plan costs: held for a person", pay: &ana, amount: 19900,
			claim: claimForm{email: "ana@example.test", amount: "199", date: today()},
			want:  billing.ClaimHeld, check: requireHeld},
		{name: "refunded", pay: &ana, refund: true, claim: claimForm{email: "ana@example.test", amount: "249", date: today()},
			want: billing.ClaimNotServed, check: requireNotServed},
		{name: "no match", pay: &ana, claim: claimForm{email: "nobody@example.test", amount: "249", date: today()},
			want: billing.ClaimNoMatch, check: requireNothingChanged},
		{name: "a wrong day by two", pay: &ana, claim: claimForm{email: "ana@example.test", amount: "249", date: daysAgo(2)},
			want: billing.ClaimNoMatch, check: requireNothingChanged},
		{name: "a wrong amount by one cent", pay: &ana, claim: claimForm{email: "ana@example.test", amount: "248.99", date: today()},
			want: billing.ClaimNoMatch, check: requireNothingChanged},
		{name: "a mistyped last four", pay: &ana, claim: claimForm{email: "ana@example.test", amount: "249", date: today(), last4: "4243"},
			want: billing.ClaimNoMatch, check: requireNothingChanged},
		{name: "a mistyped receipt number", pay: &ana, claim: claimForm{email: "ana@example.test", amount: "249", date: today(), receipt: "0000-0000"},
			want: billing.ClaimNoMatch, check: requireNothingChanged},
		{name: "a mistyped last four on another address", pay: &payer{receipt: "payer@example.test", last4: "1881"},
			claim: claimForm{email: "claimant@example.test", amount: "249", date: today(), last4: "1818"},
			want:  billing.ClaimNoMatch, check: requireNothingChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStack(t)
			var p payment
			switch {
			case tc.served:
				_, p = s.served(t, "buyer@example.test")
			case tc.pay != nil:
				var number string
				p, number = s.orphanPaid(t, cmp.Or(tc.amount, 24900), *tc.pay)
				if tc.refund {
					s.simPost(t, "/_sim/charges/"+p.Charge+"/refund", `{}`)
				}
				if tc.receipt {
					tc.claim.receipt = " #" + number + " "
				}
			}
			listings := s.simCalls(t, "GET /v1/charges")
			resp, body := s.do(t, tc.claim.request(false))
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			assert.Equal(t, tc.want, outcomeOf(t, body))
			assert.Equal(t, listings+1, s.simCalls(t, "GET /v1/charges"), "one listing per claim")
			assert.Zero(t, s.simCalls(t, "GET /v1/{unrecognized}"), "never Search")
			tc.check(t, s, p)
		})
	}
}

func requireServedByClaim(t *testing.T, s *testStack, p payment) {
	t.Helper()
	var o billing.Order
	require.NoError(t, s.store.DB().Get(&o, `SELECT `+orderCols+` FROM orders WHERE payment_intent_id = $1`, p.PaymentIntent))
	assert.Equal(t, billing.StatusFulfilled, o.Status)
	assert.Equal(t, string(billing.ViaClaim), o.FulfilledVia)
	assert.Equal(t, "ana@example.test", o.Email, "the address on the charge, as the charge spells it")
	access := s.emailMessages(t, "ana@example.test", "delayed_fulfillment")
	require.Len(t, access, 1, "the access email, to the address on the charge")
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlements`))
}

func requireResent(t *testing.T, s *testStack, p payment) {
	t.Helper()
	var o billing.Order
	require.NoError(t, s.store.DB().Get(&o, `SELECT `+orderCols+` FROM orders WHERE payment_intent_id = $1`, p.PaymentIntent))
	assert.Equal(t, string(billing.ViaReturnPage), o.FulfilledVia, "served as it was, not again")
	first := s.emailMessages(t, "buyer@example.test", "order_confirmation")
	require.Len(t, first, 2, "the confirmation and its copy")
	assert.Equal(t, first[0].Subject, first[1].Subject)
	assert.Equal(t, first[0].TextBody, first[1].TextBody)
	assert.NotEqual(t, first[0].MessageID, first[1].MessageID, "a new Message-ID: a new email, not a retry")
	assert.Equal(t, "order:"+strconv.FormatInt(o.ID, 10)+":resend:"+time.Now().UTC().Format("2006-01-02T15"), first[1].DedupeKey)

	// Claiming again within the hour sends no third copy, and says so.
	_, body := s.do(t, claimForm{email: "buyer@example.test", amount: "249", date: today()}.request(false))
	assert.Equal(t, billing.ClaimAlready, outcomeOf(t, body))
	assert.Contains(t, body, "We sent the sign-in email again within the last hour")
	assert.Len(t, s.emailMessages(t, "buyer@example.test", "order_confirmation"), 2)
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM entitlement_grants`), "one grant")
}

func requireClaimReview(t *testing.T, s *testStack, p payment) {
	t.Helper()
	m := s.onlyMismatch(t, billing.KindClaimReview)
	assert.Equal(t, "open", m.Status)
	assert.Equal(t, p.PaymentIntent, *m.PaymentIntentID)
	assert.Equal(t, p.Charge, *m.ChargeID)
	assert.Equal(t, "claimant@example.test", *m.Email)
	assert.Nil(t, m.OrderID)
	var ev struct {
		Claim     map[string]string `json:"claim"`
		Charge    map[string]any    `json:"payment"`
		MatchedOn string            `json:"matched_on"`
		Summary   string            `json:"summary"`
	}
	require.NoError(t, json.Unmarshal(m.Evidence, &ev))
	assert.Equal(t, "claimant@example.test", ev.Claim["email"])
	assert.Equal(t, "249", ev.Claim["amount"], "the amount as typed")
	assert.Equal(t, today(), ev.Claim["date"])
	assert.Equal(t, "1881", ev.Claim["last_four"])
	assert.Equal(t, "payer@example.test", ev.Charge["receipt_email"])
	assert.Equal(t, "payer.card@example.test", ev.Charge["billing_email"])
	assert.Equal(t, "1881", ev.Charge["card_last_four"])
	assert.Equal(t, "amount, day, card's last four", ev.MatchedOn)
	assert.Contains(t, ev.Summary, "claimant@example.test says they paid $249.00 on "+today()+" (with a card ending 1881)")
	assert.Contains(t, ev.Summary, "its addresses are receipt payer@example.test, billing payer.card@example.test")

	assert.Zero(t, s.count(t, `SELECT count(*) FROM orders`), "never served to the typed address")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM accounts`))
	told := s.emailMessages(t, "claimant@example.test", "claim_received")
	require.Len(t, told, 1, "the claimant is told by email")
	assert.Contains(t, told[0].TextBody, "A person on our team will check it")
	assert.Empty(t, s.emailMessages(t, "payer@example.test", "claim_received"))

	// The same claim again is the same case, and the same one email; the
	// sweep never closes it.
	_, body := s.do(t, claimForm{email: "Claimant@example.test", amount: "249", date: today(), last4: "1881"}.request(false))
	assert.Equal(t, billing.ClaimReview, outcomeOf(t, body))
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM mismatches WHERE kind = 'claim_review'`))
	assert.Len(t, s.emailMessages(t, "claimant@example.test", "claim_received"), 1)
}

func requireHeld(t *testing.T, s *testStack, p payment) {
	t.Helper()
	held := s.emailMessages(t, "ana@example.test", "payment_on_hold")
	require.Len(t, held, 1, "the payer hears a person is finishing it")
	assert.Equal(t, "payment:"+p.PaymentIntent+":payment_on_hold", held[0].DedupeKey, "the key the sweep's holding email uses")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM orders`), "the sweep queues it for a person")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM entitlements`))
}

func requireNotServed(t *testing.T, s *testStack, p payment) {
	t.Helper()
	assert.Equal(t, 1, s.count(t, `SELECT count(*) FROM orders WHERE payment_intent_id = $1 AND status = 'refunded'`, p.PaymentIntent))
	assert.Zero(t, s.count(t, `SELECT count(*) FROM entitlements`), "nothing switched on")
	assert.Zero(t, s.count(t, `SELECT count(*) FROM email_messages`))
}

func requireNothingChanged(t *testing.T, s *testStack, _ payment) {
	t.Helper()
	for _, table := range []string{"orders", "accounts", "email_messages", "mismatches"} {
		assert.Zero(t, s.count(t, `SELECT count(*) FROM `+table), table)
	}
}

// orderCols reads a billing.Order from the orders table.
const orderCols = `id, public_ref, email, plan_code, amount, currency, status, idempotency_key,
	COALESCE(checkout_session_id, '') AS checkout_session_id, COALESCE(payment_intent_id, '') AS payment_intent_id,
	COALESCE(charge_id, '') AS charge_id, account_id, COALESCE(fulfilled_via, '') AS fulfilled_via,
	paid_at, fulfilled_at, created_at, updated_at`

// TestClaimFormRefusesWithWords: an amount we would have to guess at, a
// date or last four that cannot be, come back with 422, the reason beside
// the field and what was typed kept, as a page and as the htmx partial;
// the processor is not asked.
func TestClaimFormRefusesWithWords(t *testing.T) {
	s := newTestStack(t)
	resp, body := s.do(t, httptest.NewRequest(http.MethodGet, "/claim", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-testid="claim-form"`)
	for _, tc := range []struct {
		form         claimForm
		field, words string
	}{
		{claimForm{email: "ana@example.test", amount: "249,00", date: today()}, "amount", "without commas"},
		{claimForm{email: "ana@example.test", amount: "about 250", date: today()}, "amount", "in dollars and cents"},
		{claimForm{email: "ana@example.test", amount: "249", date: "1/12/2026"}, "date", "year-month-day"},
		{claimForm{email: "ana@example.test", amount: "249", date: today(), last4: "42"}, "last4", "four numbers"},
		{claimForm{email: "ana", amount: "249", date: today()}, "email", "does not look like an email"},
	} {
		for _, htmx := range []bool{false, true} {
			resp, body := s.do(t, tc.form.request(htmx))
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.form)
			require.Contains(t, body, `data-testid="claim-`+tc.field+`-error"`, tc.form)
			require.Contains(t, body, tc.words)
			require.Contains(t, body, `value="`+tc.form.amount+`"`, "what was typed is kept")
			require.Equal(t, htmx, !strings.Contains(body, "<html"), "the partial for htmx")
		}
	}
	require.Zero(t, s.simCalls(t, "GET /v1/charges"))
}
