package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/handlers"
)

// No customer page says whether an address has bought (DESIGN section 7):
// an address with purchases and one without get the same answer, byte for
// byte, as a page and as an htmx partial. The customer pages carry no CSRF
// token, so nothing needs blanking in the bodies.

// answer is a response's status, headers with the per-request ones
// blanked, and body.
type answer struct {
	status int
	header map[string][]string
	body   string
}

func ask(t testing.TB, app *fiber.App, req *http.Request) answer {
	t.Helper()
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, header: headerShape(resp.Header), body: string(b)}
}

func TestSelfServiceAnswersTheSameForEveryAddress(t *testing.T) {
	s := newTestStack(t)
	s.served(t, "known@example.test")
	s.orphanPaid(t, 24900, payer{receipt: "known@example.test"})
	for _, htmx := range []bool{false, true} {
		known := ask(t, s.app, statusRequest("Known@Example.test", htmx))
		fresh := ask(t, s.app, statusRequest("fresh@example.test", htmx))
		require.Equal(t, http.StatusOK, known.status)
		require.Equal(t, fresh, known, "POST /status, htmx=%v", htmx)

		// The known address paid $249.00 today; a cent off fits nothing.
		known = ask(t, s.app, claimForm{email: "known@example.test", amount: "248.99", date: today()}.request(htmx))
		fresh = ask(t, s.app, claimForm{email: "fresh@example.test", amount: "248.99", date: today()}.request(htmx))
		require.Equal(t, http.StatusOK, known.status)
		require.Contains(t, known.body, `data-outcome="no_match"`)
		require.Equal(t, fresh, known, "POST /claim with no match, htmx=%v", htmx)
		require.NotContains(t, known.body, "known@example.test")
	}
	require.Equal(t, 4, s.workStatusLinks(t), "a job for every address alike")
	require.Len(t, s.askedLinks(t, "known@example.test"), 2)
	require.Empty(t, s.askedLinks(t, "fresh@example.test"))
}

// TestStatusByEmailPerClientLimit: the 11th lookup from one client within
// ten minutes gets the same page, byte for byte, and sends nothing: the
// buyer's own second lookup, which would have sent a second email.
func TestStatusByEmailPerClientLimit(t *testing.T) {
	s := newTestStack(t)
	s.served(t, "buyer@example.test")
	first := ask(t, s.app, statusRequest("buyer@example.test", false))
	for i := range 9 {
		ask(t, s.app, statusRequest("other"+strconv.Itoa(i)+"@example.test", false))
	}
	eleventh := ask(t, s.app, statusRequest("buyer@example.test", false))
	require.Equal(t, first, eleventh)
	require.Equal(t, 10, s.workStatusLinks(t), "no job for the 11th")
	require.Len(t, s.askedLinks(t, "buyer@example.test"), 1, "one email, from the first lookup")
}

// TestStatusByEmailPerAddressLimit: the 4th lookup of one address within
// the hour gets the same page and sends nothing.
func TestStatusByEmailPerAddressLimit(t *testing.T) {
	s := newTestStack(t)
	s.served(t, "buyer@example.test")
	first := ask(t, s.app, statusRequest("buyer@example.test", true))
	for range 2 {
		require.Equal(t, first, ask(t, s.app, statusRequest("Buyer@example.test", true)))
	}
	require.Equal(t, first, ask(t, s.app, statusRequest("BUYER@example.test", true)))
	require.Equal(t, 3, s.workStatusLinks(t))
	require.Len(t, s.askedLinks(t, "buyer@example.test"), 3)
}

// TestClaimLimits: past 5 claims an hour for one email, or 10 from one
// client (a refused claim is one of them), the customer is asked to wait,
// in the same words for every address, and the processor is not asked.
func TestClaimLimits(t *testing.T) {
	s := newTestStack(t)
	for range 5 {
		a := ask(t, s.app, claimForm{email: "ana@example.test", amount: "249", date: today()}.request(false))
		require.Contains(t, a.body, `data-outcome="no_match"`)
	}
	listings := s.simCalls(t, "GET /v1/charges")
	limited := ask(t, s.app, claimForm{email: "Ana@example.test", amount: "249", date: today()}.request(false))
	require.Equal(t, http.StatusTooManyRequests, limited.status)
	require.Contains(t, limited.body, `data-outcome="limited"`)
	for i := range 4 {
		a := ask(t, s.app, claimForm{email: "bo" + strconv.Itoa(i) + "@example.test", amount: "249", date: today()}.request(false))
		require.Contains(t, a.body, `data-outcome="no_match"`, "another address from the same client, claim %d of the client's 10", i+7)
	}
	other := ask(t, s.app, claimForm{email: "cy@example.test", amount: "249", date: today()}.request(false))
	require.Equal(t, limited, other, "the 11th claim from one client")
	require.Equal(t, listings+4, s.simCalls(t, "GET /v1/charges"), "no listing for a refused claim")
}

// TestStatusReferenceLimit: after 60 unknown references from one client
// in ten minutes, every reference (a real one too) gets the unknown
// reference's page, and the database is not asked: with the orders table
// gone, the page still answers. Looking up a real reference never counts.
func TestStatusReferenceLimit(t *testing.T) {
	s := newTestStack(t)
	order, _ := s.served(t, "buyer@example.test")
	ready := ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+order.PublicRef, nil))
	require.Contains(t, ready.body, `data-stage="ready"`)

	const probe = "0000-0000-0000-0000"
	unknown := ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+probe, nil))
	require.Contains(t, unknown.body, `data-stage="waiting"`)
	for i := 1; i < 59; i++ {
		a := ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+randomRef(), nil))
		require.Equal(t, http.StatusOK, a.status)
	}
	again := ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+order.PublicRef, nil))
	require.Contains(t, again.body, `data-stage="ready"`, "after 59 misses, and a hit never counts")

	ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+randomRef(), nil)) // the 60th miss
	_, err := s.store.DB().Exec(`ALTER TABLE orders RENAME TO orders_away`)
	require.NoError(t, err)
	defer s.store.DB().Exec(`ALTER TABLE orders_away RENAME TO orders`)
	for _, q := range []string{"", "?back=1", "?poll=3"} {
		limited := ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+order.PublicRef+q, nil))
		want := ask(t, s.app, httptest.NewRequest(http.MethodGet, "/status/"+probe+q, nil))
		require.Equal(t, http.StatusOK, limited.status, q)
		require.Equal(t, replaceRef(want, probe, order.PublicRef), limited, "the unknown reference's page, %q", q)
	}
}

func replaceRef(a answer, from, to string) answer {
	a.body = strings.ReplaceAll(a.body, from, to)
	return a
}

func randomRef() string {
	return "Z" + randomHex(3)[:3] + "-" + "ZZZZ-ZZZZ-ZZZZ"
}

// BenchmarkSelfServiceTiming prints the median time of POST /status and of
// a POST /claim that fits nothing, for an address with purchases and one
// without, and their difference (aim: under 5 ms). The two alternate, in
// turn first, so drift hits both. Claims are paced under the processor's
// test-mode rate budget, so that waiting for it is not measured. Run it
// with enough samples: go test -run '^$' -bench SelfServiceTiming
// -benchtime 200x ./internal/cli/
func BenchmarkSelfServiceTiming(b *testing.B) {
	s := newTestStack(b)
	s.served(b, "known@example.test")
	d := s.webDeps()
	d.Metrics = prometheus.NewRegistry()
	unlimited := handlers.Limit{Max: 1 << 30, Window: time.Hour}
	d.Limits = handlers.CustomerLimits{StatusPerClient: unlimited, StatusPerEmail: unlimited,
		ClaimPerClient: unlimited, ClaimPerEmail: unlimited}
	app := handlers.New(d)
	b.Run("status", func(b *testing.B) {
		timePair(b, app, 0, func(email string) *http.Request { return statusRequest(email, false) })
	})
	b.Run("claim-no-match", func(b *testing.B) {
		timePair(b, app, 110*time.Millisecond, func(email string) *http.Request {
			return claimForm{email: email, amount: "248.99", date: today()}.request(false)
		})
	})
}

func timePair(b *testing.B, app *fiber.App, pace time.Duration, req func(email string) *http.Request) {
	var known, fresh []time.Duration
	timed := func(email string) time.Duration {
		start := time.Now()
		a := ask(b, app, req(email))
		el := time.Since(start)
		require.Equal(b, http.StatusOK, a.status)
		return el
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			known = append(known, timed("known@example.test"))
			fresh = append(fresh, timed("fresh@example.test"))
		} else {
			fresh = append(fresh, timed("fresh@example.test"))
			known = append(known, timed("known@example.test"))
		}
		if pace > 0 {
			b.StopTimer()
			time.Sleep(pace)
			b.StartTimer()
		}
	}
	mk, mf := median(known), median(fresh)
	diff := (mk - mf).Abs()
	b.ReportMetric(float64(mk.Microseconds())/1000, "ms-median-known")
	b.ReportMetric(float64(mf.Microseconds())/1000, "ms-median-fresh")
	b.ReportMetric(float64(diff.Microseconds())/1000, "ms-median-diff")
	b.Logf("%d pairs: median %v with purchases, %v without, difference %v", len(known), mk, mf, diff)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
