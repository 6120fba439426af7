package cli

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/config"
)

// TestOverloadIsCalmAndNeverHalfMakesAnOrder: with a processor budget of
// 5 requests a second and requests that may take 1 s, 20 customers press
// "Pay" at once. Those the budget cannot fit in time get, at once, the
// calm page with Retry-After and a Try again button carrying their own
// form; their order is either not written or pending with no session, and
// pressing Try again continues it: in the end one order and one session
// per customer.
func TestOverloadIsCalmAndNeverHalfMakesAnOrder(t *testing.T) {
	t.Parallel()
	s := newTestStackWith(t, func(c *config.Config) { c.StripeRateLimit = 5 })
	s.requestTimeout = time.Second
	s.app = s.webApp()

	const customers = 20
	tokens := make([]string, customers)
	first := make([]*http.Response, customers)
	bodies := make([]string, customers)
	var wg sync.WaitGroup
	for i := range customers {
		tokens[i] = formToken()
		wg.Add(1)
		go func() {
			defer wg.Done()
			first[i], bodies[i] = s.do(t, checkoutRequest(overloadEmail(i), demoPlan.Code, tokens[i], false))
		}()
	}
	wg.Wait()

	var refused []int
	for i, resp := range first {
		switch resp.StatusCode {
		case http.StatusSeeOther:
			require.Contains(t, resp.Header.Get("Location"), "/pay/cs_")
		case http.StatusServiceUnavailable:
			refused = append(refused, i)
			wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			require.NoError(t, err, "Retry-After in seconds")
			require.Positive(t, wait)
			require.Contains(t, bodies[i], "We are busy for a moment")
			require.Contains(t, bodies[i], "Nothing was charged and your order is kept")
			require.Contains(t, bodies[i], `data-testid="retry-form"`)
			require.Contains(t, bodies[i], `name="form_token" value="`+tokens[i]+`"`)
			require.NotContains(t, bodies[i], `data-testid="error-ref"`)
			require.Zero(t, s.count(t, `SELECT count(*) FROM orders WHERE email = $1 AND checkout_session_id IS NOT NULL`, overloadEmail(i)),
				"refused: no session")
			require.LessOrEqual(t, s.count(t, `SELECT count(*) FROM orders WHERE email = $1`, overloadEmail(i)), 1)
		default:
			t.Fatalf("customer %d: %d %s", i, resp.StatusCode, bodies[i])
		}
	}
	t.Logf("%d of %d refused at first", len(refused), customers)
	require.NotEmpty(t, refused, "the budget cannot take 20 sessions in a second")
	require.Less(t, len(refused), customers, "some fit")
	require.Zero(t, s.count(t, `SELECT count(*) FROM error_reports`), "busy is counted, not stored")

	for _, i := range refused {
		s.pressTryAgain(t, overloadEmail(i), tokens[i])
	}
	require.Equal(t, customers, s.count(t, `SELECT count(*) FROM orders`), "one order per customer")
	require.Equal(t, customers, s.count(t, `SELECT count(DISTINCT checkout_session_id) FROM orders`))
	require.Len(t, s.simList(t, "checkout/sessions"), customers, "one session per customer at the processor")
}

func overloadEmail(i int) string { return fmt.Sprintf("busy%d@example.test", i) }

// pressTryAgain posts the same form until the payment page opens, waiting
// as Retry-After says.
func (s *testStack) pressTryAgain(t *testing.T, email, token string) {
	t.Helper()
	for range 20 {
		resp, _ := s.do(t, checkoutRequest(email, demoPlan.Code, token, false))
		if resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), "/pay/cs_") {
			return
		}
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: Try again never opened the payment page", email)
}
