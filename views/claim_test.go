package views_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/views"
)

// TestCustomerPagesLinkToClaim: a customer charged with nothing to show
// finds Claim my purchase from the error page, the reverse proxy's
// fallback page, the status page while it waits, and the /status forms.
func TestCustomerPagesLinkToClaim(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]templ.Component{
		"error page":     views.ErrorPage(views.ErrorView{Ref: "ERR-1", SupportEmail: "help@acme.test", Title: "x", Message: "y"}),
		"fallback page":  views.FallbackPage(views.FallbackView{SupportEmail: "help@acme.test"}),
		"status waiting": views.StatusPage(views.StatusView{Ref: "7KQ2-M9XA-4TZP-HC3B", Stage: "waiting"}),
		"status lookup":  views.StatusLookupForm(views.StatusLookupView{ByEmail: true}),
		"status by mail": views.StatusEmailSent(views.StatusEmailView{}),
	} {
		var buf bytes.Buffer
		require.NoError(t, c.Render(context.Background(), &buf))
		assert.Contains(t, buf.String(), `<a href="/claim" data-testid="claim-link">Claim my purchase</a>`, name)
	}
}

// TestClaimPageShowsOnlyWhatWasTyped: the no-match page names the amount
// and day the customer gave and no address; an outcome whose email went to
// an address the customer did not type does not show it.
func TestClaimPageShowsOnlyWhatWasTyped(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	v := views.ClaimView{Outcome: "no_match", Amount: "$249.00", Day: "1 December 2026", SupportEmail: "help@acme.test"}
	require.NoError(t, views.ClaimPanel(v).Render(context.Background(), &buf))
	assert.Contains(t, buf.String(), "a payment of <strong>$249.00</strong> made on or around <strong>1 December 2026</strong>")
	assert.Contains(t, buf.String(), `href="/claim" data-testid="claim-again"`)

	buf.Reset()
	v = views.ClaimView{Outcome: "served"}
	require.NoError(t, views.ClaimPanel(v).Render(context.Background(), &buf))
	assert.Contains(t, buf.String(), "We emailed how to sign in to the email address on the payment.")
	assert.NotContains(t, buf.String(), `data-testid="claim-sent-to"`)
}
