package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// simPaid is a payment made at the simulator.
type simPaid struct {
	PaymentIntent string `json:"payment_intent"`
	Charge        string `json:"charge"`
}

// orphan is a payment at the processor with no order of ours.
func (w *world) orphan(email string, metadata map[string]string) simPaid {
	w.t.Helper()
	if metadata == nil {
		metadata = map[string]string{}
	}
	var p simPaid
	w.simJSON("POST", "/_sim/payments", map[string]any{"email": email, "amount": 24900, "currency": "usd", "metadata": metadata}, &p)
	return p
}

// mismatchOf is the open mismatch reconciliation queued for a payment.
func (w *world) mismatchOf(paymentIntent string) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.db.Get(&id, `SELECT id FROM mismatches WHERE payment_intent_id = $1 AND status = 'open'`, paymentIntent))
	return id
}

// staffLogin adds a staff login and returns its generated password.
func (w *world) staffLogin(email, role string) string {
	w.t.Helper()
	out := w.backstop("staff", "add", "--email", email, "--role", role)
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	require.NotNil(w.t, m, out)
	return m[1]
}

func (w *world) accessUntil(email string) time.Time {
	w.t.Helper()
	var until time.Time
	require.NoError(w.t, w.db.Get(&until, `SELECT e.valid_until FROM entitlements e JOIN accounts a ON a.id = e.account_id
		WHERE lower(a.email) = lower($1)`, email))
	return until
}

// waitMail waits until Mailpit holds n messages to address whose subject
// starts with subject.
func (w *world) waitMail(t *testing.T, address, subject string, n int) {
	t.Helper()
	got := 0
	w.eventually(15*time.Second, fmt.Sprintf("%d email(s) %q to %s in Mailpit", n, subject, address), func() bool {
		got = 0
		for _, m := range w.mail.MessagesTo(t, address) {
			if strings.HasPrefix(m.Subject, subject) {
				got++
			}
		}
		return got >= n
	})
	require.Equal(t, n, got, "emails %q to %s", subject, address)
}
