package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStatusByEmailLimitCountedInMailpit: against the real binary, the
// buyer's lookup on /status emails them the status of their purchase; the
// 11th lookup from the same client address within ten minutes, the
// buyer's again, gets the same page byte for byte and sends nothing, as
// Mailpit shows once every job has finished.
func TestStatusByEmailLimitCountedInMailpit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.startApp("")
	buyer := "buyer-" + randHex(4) + "@example.test"
	resp, err := w.noRedirect.Get(w.pay(w.checkout(buyer, formToken())))
	require.NoError(t, err)
	resp.Body.Close()
	w.eventually(30*time.Second, "the purchase served", func() bool {
		return w.count(`SELECT count(*) FROM orders WHERE email = $1 AND status = 'fulfilled'`, buyer) == 1
	})

	first := w.lookUp(buyer)
	require.Contains(t, first, "If that address has a purchase, a link to each is on its way.")
	for i := range 9 {
		require.Equal(t, first, w.lookUp("nobody-"+strconv.Itoa(i)+"@example.test"))
	}
	require.Equal(t, first, w.lookUp(buyer), "the 11th lookup: the same page")

	w.eventually(60*time.Second, "every status_link and email job finished", func() bool {
		return w.count(`SELECT count(*) FROM river_job WHERE kind = 'status_link' AND state = 'completed'`) == 10 &&
			w.count(`SELECT count(*) FROM river_job WHERE kind IN ('status_link', 'send_email') AND state <> 'completed'`) == 0
	})
	links := 0
	for _, m := range w.mail.MessagesTo(t, buyer) {
		if strings.HasPrefix(m.Subject, "The status of your purchases") {
			links++
		}
	}
	require.Equal(t, 1, links, "one status email, from the first lookup; the 11th sent nothing")
	require.Equal(t, 2, len(w.mail.MessagesTo(t, buyer)), "the purchase's confirmation and the one status email")
	require.Len(t, w.mail.Messages(t), 2, "nothing to the addresses that never bought")
}

// lookUp posts the /status email form as a browser would and returns the
// page.
func (w *world) lookUp(email string) string {
	w.t.Helper()
	resp, err := w.noRedirect.PostForm(w.appURL("/status"), url.Values{"email": {email}})
	require.NoError(w.t, err)
	defer resp.Body.Close()
	require.Equal(w.t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return string(b)
}
