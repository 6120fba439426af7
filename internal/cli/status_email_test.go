package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/jobs"
)

// statusRequest is POST /status as the form sends it.
func statusRequest(email string, htmx bool) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/status", strings.NewReader(url.Values{"email": {email}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

// workStatusLinks runs every status_link job queued so far through its
// real worker (the test stack runs no workers), and returns how many.
func (s *testStack) workStatusLinks(t *testing.T) int {
	t.Helper()
	var rows []struct {
		ID    int64  `db:"id"`
		Email string `db:"email"`
	}
	require.NoError(t, s.store.DB().Select(&rows,
		`SELECT id, args->>'email' AS email FROM river_job WHERE kind = 'status_link' AND state = 'available' ORDER BY id`))
	w := &jobs.StatusLinkWorker{Links: s.billing}
	for _, r := range rows {
		job := &river.Job[jobs.StatusLinkArgs]{JobRow: &rivertype.JobRow{ID: r.ID}, Args: jobs.StatusLinkArgs{Email: r.Email}}
		require.NoError(t, w.Work(context.Background(), job))
		_, err := s.store.DB().Exec(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, r.ID)
		require.NoError(t, err)
	}
	return len(rows)
}

// TestStatusByEmailSendsEveryPurchase: the page answers, a job is queued
// for the address, and working it emails one status_link that lists each
// purchase of the address with its status link; an address that never
// paid gets a job too, and no email.
func TestStatusByEmailSendsEveryPurchase(t *testing.T) {
	s := newTestStack(t)
	first, _ := s.served(t, "buyer@example.test")
	second, p := s.served(t, "Buyer@example.test")
	s.simPost(t, "/_sim/charges/"+p.Charge+"/refund", `{}`)
	s.deliver(t, s.event(t, "charge.refunded"))
	s.checkout(t, "buyer@example.test", false) // started, never paid: not a purchase

	for _, email := range []string{"BUYER@example.test", "nobody@example.test"} {
		resp, body := s.do(t, statusRequest(email, false))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, body, "If that address has a purchase, a link to each is on its way.")
		require.Contains(t, body, `href="/claim"`)
	}
	require.Equal(t, 2, s.workStatusLinks(t), "a job for every address")

	sent := s.askedLinks(t, "buyer@example.test")
	require.Len(t, sent, 1)
	m := sent[0]
	assert.Equal(t, "The status of your purchases ("+second.PublicRef+")", m.Subject)
	assert.Equal(t, second.ID, *m.OrderID, "about the newest")
	for _, want := range []string{
		"Someone asked for the status of purchases made with",
		"http://shop.test/status/" + first.PublicRef, "your access is ready",
		"http://shop.test/status/" + second.PublicRef, "it was refunded",
		"Claim it with the amount and the day on your statement: http://shop.test/claim",
	} {
		assert.Contains(t, m.TextBody, want)
	}
	assert.Equal(t, 2, strings.Count(m.TextBody, "Reference "), "the two purchases, not the unpaid checkout")
	assert.Empty(t, s.askedLinks(t, "nobody@example.test"))

	// A retried job sends nothing more.
	queued, err := s.billing.EmailStatusLinks(context.Background(), "BUYER@example.test", strings.TrimPrefix(m.DedupeKey, "status_link:buyer@example.test:"))
	require.NoError(t, err)
	assert.False(t, queued)
	assert.Len(t, s.askedLinks(t, "buyer@example.test"), 1)
}

// askedLinks are the status_link emails to an address that someone asked
// for on /status (not those sent because it started buying again).
func (s *testStack) askedLinks(t *testing.T, to string) []store.EmailMessage {
	t.Helper()
	var out []store.EmailMessage
	for _, m := range s.emailMessages(t, to, "status_link") {
		if strings.HasPrefix(m.DedupeKey, "status_link:") {
			out = append(out, m)
		}
	}
	return out
}

// TestStatusByEmailRefusesABadAddressWithWords: 422 and the reason beside
// the field, the same for every malformed address; nothing is queued.
func TestStatusByEmailRefusesABadAddressWithWords(t *testing.T) {
	s := newTestStack(t)
	for _, htmx := range []bool{false, true} {
		resp, body := s.do(t, statusRequest("not an address", htmx))
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Contains(t, body, `data-testid="status-email-error"`)
		require.Contains(t, body, "That does not look like an email address.")
	}
	require.Zero(t, s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'status_link'`))
}
