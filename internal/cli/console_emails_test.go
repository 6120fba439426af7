package cli

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/staff"
)

// TestConsoleEmailsPage: every email to a customer, filtered by recipient,
// template and status in the query string, and one email with its
// rendered parts.
func TestConsoleEmailsPage(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	for _, email := range []string{"jane@example.test", "sam@example.test"} {
		_, session := s.paidOrder(t, email)
		_, err := s.billing.ReturnFromCheckout(context.Background(), session)
		require.NoError(t, err)
	}
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	for target, want := range map[string]int{
		"/console/emails":                                     2,
		"/console/emails?to=JANE%40example.test":              1,
		"/console/emails?template=order_confirmation":         2,
		"/console/emails?template=refund_issued":              0,
		"/console/emails?status=queued&to=sam%40example.test": 1,
		"/console/emails?status=failed":                       0,
	} {
		p := b.get(t, target)
		require.Equal(t, http.StatusOK, p.status, target)
		assert.Len(t, p.all("email-row"), want, target)
		assert.Equal(t, want == 0, len(p.all("emails-none")) == 1, target)
	}
	p := b.get(t, "/console/emails?status=lost")
	assert.Equal(t, http.StatusBadRequest, p.status, "a filter we do not know")
	assert.Contains(t, p.body, "Pick a status from the list")

	m := s.emailMessages(t, "jane@example.test", mail.OrderConfirmation)[0]
	p = b.get(t, "/console/emails/"+strconv.FormatInt(m.ID, 10))
	require.Equal(t, http.StatusOK, p.status, p.body)
	assert.Equal(t, m.Subject, p.one(t, "mail-subject"))
	assert.Contains(t, p.one(t, "mail-text"), "Your reference:")
	require.Len(t, p.all("mail-html"), 1)
	assert.Contains(t, p.body, `sandbox=""`, "the HTML part in a frame without scripts")
	require.Len(t, p.all("action-resend"), 1)
}
