package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/staff"
)

// TestConsoleCustomerSubscriptions: a year on, one customer's renewal is
// paid and another's fails. The first's page shows the subscription with
// its two invoices and the period each granted; the second's shows the
// failed invoice as not granted, with the access kept until the grace ends
// and the invoice link sent; each beside the processor's status asked for
// the page, which differs from ours when ours is behind.
func TestConsoleCustomerSubscriptions(t *testing.T) {
	t.Parallel()
	s := newTestStack(t)
	_, renewed := s.boughtYearly(t, "renewed@example.test", "4242424242424242")
	_, late := s.boughtYearly(t, "late@example.test", "4000000000000341")
	firstEnd := time.Unix(int64(s.simSubscription(t, late)["current_period_end"].(float64)), 0).UTC()
	s.advanceSim(t, simYear+3600)
	_, err := s.catchUp.Run(context.Background())
	require.NoError(t, err)
	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)

	p := b.get(t, "/console/customers/renewed@example.test")
	require.Equal(t, http.StatusOK, p.status, p.body)
	subs := p.all("customer-subscription")
	require.Len(t, subs, 1)
	assert.Equal(t, renewed, attrOf(subs[0], "data-id"))
	assert.Equal(t, "ours: active; the processor now: active", p.one(t, "subscription-status"))
	assert.Contains(t, p.one(t, "subscriptions-fetched"), "fetched at")
	invoices := p.all("subscription-invoice")
	require.Len(t, invoices, 2, "the purchase's invoice and the renewal's")
	grants := p.all("invoice-grant")
	var untils []time.Time
	require.NoError(t, s.store.DB().Select(&untils, `SELECT g.valid_until FROM invoice_grants g JOIN invoices i ON i.id = g.invoice_id
		WHERE g.subscription_id = $1 ORDER BY i.created_at`, renewed))
	require.Len(t, untils, 2)
	for i, g := range grants {
		assert.Equal(t, "yes", attrOf(invoices[i], "data-granted"))
		assert.Regexp(t, `^granted from .+ UTC to `+untils[i].UTC().Format("2 Jan 2006 15:04")+` UTC \(via .+\)$`, textOf(g))
	}
	assert.Contains(t, textOf(grants[1]), "from "+firstEnd.Format("2 Jan 2006"), "the renewal runs from the first period's end")

	// Ours behind the processor's: the page says both.
	_, err = s.store.DB().Exec(`UPDATE subscriptions SET status = 'active' WHERE id = $1`, late)
	require.NoError(t, err)
	p = b.get(t, "/console/customers/late@example.test")
	require.Equal(t, http.StatusOK, p.status, p.body)
	status := p.one(t, "subscription-status")
	assert.True(t, strings.HasPrefix(status, "ours: active; the processor now: past_due. They differ"), status)
	invoices = p.all("subscription-invoice")
	require.Len(t, invoices, 2)
	assert.Equal(t, "no", attrOf(invoices[1], "data-granted"))
	graceEnd := firstEnd.Add(billing.DefaultRenewalGrace)
	assert.Regexp(t, `^not granted: the payment failed\. Access kept until `+graceEnd.Format("2 Jan 2006 15:04")+
		` UTC; (the customer was sent the invoice link|the email with the invoice link is queued)\. Paid before the grace ends, the period is granted\.$`,
		textOf(p.all("invoice-grant")[1]))
}
