package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/dbtest"
)

// TestFaultDatabaseRestart: PostgreSQL (a server of this test's own) is
// stopped with `pg_ctl stop -m fast` and started again while customers
// check out, pay and come back and the processor's webhooks arrive. The
// restart is split in two so the test can see, not race, the outage:
// /readyz answers 503 naming the database while it is down. Then a plain
// `pg_ctl restart -m fast` under the same load. Every page a
// customer gets meanwhile is a calm one; after the restart /readyz
// recovers, ops get one alert and one recovery notice, and the checker
// finds nothing.
func TestFaultDatabaseRestart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	pg, dbURL := dbtest.Dedicated(t)
	w := faultWorld(t, worldOptions{dbURL: dbURL})
	w.startApp("")
	w.waitCalm(30 * time.Second)

	shoppers := startShoppers(t, w, 3)
	shoppers.waitServed(t, 3, 30*time.Second)
	ref := shoppers.firstRef(t)

	require.NoError(t, pg.Pause(context.Background()))
	body := w.waitReadyz(30*time.Second, "not ready: database unreachable")
	t.Logf("/readyz while PostgreSQL is down: %s", body)
	code, page := w.postCheckout("down-"+randHex(3)+"@example.test", formToken())
	t.Logf("checkout while PostgreSQL is down: %d", code)
	requireCalmPage(t, code, page)
	code, page = w.get("/status/" + ref)
	t.Logf("status page while PostgreSQL is down: %d", code)
	requireCalmPage(t, code, page)
	shoppers.waitPages(t, 3, 30*time.Second) // pages the shoppers met while it was down
	require.NoError(t, pg.Resume(context.Background(), true))

	w.waitCalm(60 * time.Second)
	shoppers.waitServed(t, shoppers.served()+3, 60*time.Second)

	// Then the literal `pg_ctl restart -m fast`, under the same load. It is
	// over too quickly to watch /readyz catch it; whether this process saw
	// it or not, it is a second outage within the first one's cooldown, so
	// it sends no more email.
	require.NoError(t, pg.Restart(context.Background()))
	w.waitCalm(60 * time.Second)
	shoppers.waitServed(t, shoppers.served()+3, 60*time.Second)
	shoppers.stop(t)
	var stats struct {
		Webhooks map[string]int64 `json:"webhooks"`
	}
	w.simJSON(http.MethodGet, "/_sim/stats", nil, &stats)
	t.Logf("webhooks: %v", stats.Webhooks)
	w.requireOneAlertAndRecovery(60*time.Second, "the database")
	w.finishClean(90 * time.Second)
	t.Logf("%d customers paid, %d calm error pages; wall time %s", shoppers.paid.Load(), shoppers.errorPages.Load(),
		time.Since(start).Round(time.Second))
}

func (w *world) get(path string) (int, string) {
	w.t.Helper()
	resp, err := w.noRedirect.Get(w.appURL(path))
	require.NoError(w.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// shoppers are customers buying one after another, in a few lanes, until
// stopped: checkout, pay at the simulator, come back. A page that is not
// a redirect or a success must be a calm one; what else they meet is kept
// for the test to report.
type shoppers struct {
	w          *world
	done       chan struct{}
	wg         sync.WaitGroup
	paid       atomic.Int64
	errorPages atomic.Int64

	mu    sync.Mutex
	bad   []string // pages that were not calm
	calls []string // the first few calm pages' statuses
}

func startShoppers(t *testing.T, w *world, lanes int) *shoppers {
	s := &shoppers{w: w, done: make(chan struct{})}
	for lane := range lanes {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for n := 0; ; n++ {
				select {
				case <-s.done:
					return
				default:
				}
				s.shop(fmt.Sprintf("lane%d-%d-%s@example.test", lane, n, randHex(3)))
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	t.Cleanup(func() { s.halt() })
	return s
}

// shop is one customer's visit; it never fails the test from its
// goroutine, only notes what it saw.
func (s *shoppers) shop(email string) {
	form := url.Values{"email": {email}, "plan": {"pro-yearly"}, "form_token": {formToken()}}
	resp, err := s.w.noRedirect.PostForm(s.w.appURL("/checkout"), form)
	if !s.page(resp, err) {
		return
	}
	loc := resp.Header.Get("Location")
	session := loc[strings.LastIndex(loc, "/")+1:]
	redirect, ok := s.pay(session)
	if !ok {
		return
	}
	s.paid.Add(1)
	resp, err = s.w.noRedirect.Get(redirect)
	s.page(resp, err)
}

// page reads a response and reports whether it moved the customer on (a
// redirect or a page that loaded); anything else is checked for calm.
func (s *shoppers) page(resp *http.Response, err error) bool {
	if err != nil {
		s.note(fmt.Sprintf("no answer: %v", err))
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 400 {
		return true
	}
	s.errorPages.Add(1)
	body := string(b)
	calm := strings.Contains(body, "Your reference:") || strings.Contains(body, `data-testid="retry"`) || strings.Contains(body, `href="/status"`)
	for _, leak := range []string{"goroutine ", "panic:", "pq: ", "dial tcp"} {
		calm = calm && !strings.Contains(body, leak)
	}
	if !calm {
		s.note(fmt.Sprintf("%d: %s", resp.StatusCode, body))
	}
	s.mu.Lock()
	s.calls = append(s.calls, fmt.Sprint(resp.StatusCode))
	s.mu.Unlock()
	return false
}

func (s *shoppers) pay(session string) (string, bool) {
	b := strings.NewReader(`{"card":"4242424242424242"}`)
	req, _ := http.NewRequest(http.MethodPost, s.w.simURL("/_sim/checkout/"+session+"/pay"), b)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.w.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.note("pay: " + err.Error())
		return "", false
	}
	defer resp.Body.Close()
	var out struct {
		Redirect string `json:"redirect"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 || json.Unmarshal(raw, &out) != nil {
		s.note(fmt.Sprintf("pay %s: %d %s", session, resp.StatusCode, raw))
		return "", false
	}
	return out.Redirect, true
}

func (s *shoppers) note(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bad = append(s.bad, what)
}

// served counts the fulfilled orders.
func (s *shoppers) served() int {
	return s.w.count(`SELECT count(*) FROM orders WHERE status = 'fulfilled'`)
}

func (s *shoppers) waitServed(t *testing.T, n int, d time.Duration) {
	t.Helper()
	s.w.eventually(d, fmt.Sprintf("%d orders served", n), func() bool { return s.served() >= n })
}

// waitPages waits until the shoppers met n error pages (the outage's).
func (s *shoppers) waitPages(t *testing.T, n int64, d time.Duration) {
	t.Helper()
	s.w.eventually(d, fmt.Sprintf("shoppers meet %d error pages", n), func() bool { return s.errorPages.Load() >= n })
}

func (s *shoppers) firstRef(t *testing.T) string {
	var ref string
	require.NoError(t, s.w.db.Get(&ref, `SELECT public_ref FROM orders WHERE status = 'fulfilled' ORDER BY id LIMIT 1`))
	return ref
}

func (s *shoppers) halt() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.wg.Wait()
}

// stop ends the shopping and fails on any page that was not calm.
func (s *shoppers) stop(t *testing.T) {
	t.Helper()
	s.halt()
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("error pages the shoppers met, by status: %v", s.calls)
	for _, b := range s.bad {
		t.Errorf("a shopper met: %s", b)
	}
}
