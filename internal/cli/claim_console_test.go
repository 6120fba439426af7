package cli

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/staff"
)

// TestClaimReviewInTheConsoleThenLinkAndProvision: a claim that fits a
// payment on the card but not the email is in the queue in words, and its
// page shows the claim's words beside the payment's facts; staff link the
// payment to the claimant's address and Verify & provision serves it.
func TestClaimReviewInTheConsoleThenLinkAndProvision(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	p, _ := s.orphanPaid(t, 24900, payer{receipt: "payer@example.test", last4: "1881"})
	_, body := s.do(t, claimForm{email: "claimant@example.test", amount: "249.00", date: today(), last4: "1881"}.request(false))
	require.Equal(t, billing.ClaimReview, outcomeOf(t, body))
	m := s.openMismatch(t, billing.KindClaimReview)

	b := s.staffBrowser(t, "ana@example.test", staff.RoleSupport)
	q := b.get(t, "/console/mismatches?kind="+billing.KindClaimReview)
	require.Equal(t, http.StatusOK, q.status, q.body)
	rows := q.all("mismatch-row")
	require.Len(t, rows, 1)
	assert.Equal(t, billing.KindClaimReview, attrOf(rows[0], "data-kind"))
	assert.Contains(t, textOf(rows[0]), "Claim to check")
	assert.Contains(t, textOf(rows[0]), "claimant@example.test claims a payment of $249.00 as theirs")

	page := b.get(t, "/console/mismatches/"+strconv.FormatInt(m.ID, 10))
	require.Equal(t, http.StatusOK, page.status, page.body)
	assert.Contains(t, page.one(t, "mismatch-problem"), "but it was made with another email address")
	parts := evidenceParts(page)
	require.Equal(t, []string{"Payment", "Claim", "Details"}, parts.titles, "the payment, then the claim beside it")
	assert.Equal(t, "$249.00", parts.facts["Payment"]["Amount"])
	assert.Equal(t, "payer@example.test", parts.facts["Payment"]["Receipt email"])
	assert.Equal(t, "1881", parts.facts["Payment"]["Card last four"])
	assert.Equal(t, map[string]string{
		"Email": "claimant@example.test", "Amount": "249.00", "Date": today(), "Last four": "1881", "Receipt number": "—",
		"Claimed at": parts.facts["Claim"]["Claimed at"],
	}, parts.facts["Claim"], "the claim in the customer's words")
	assert.Equal(t, "amount, day, card's last four", parts.facts["Details"]["Matched on"])
	assert.Contains(t, parts.facts["Details"]["Summary"],
		"claimant@example.test says they paid $249.00 on "+today()+" (with a card ending 1881).")

	linked, err := s.resolve.LinkAccount(ctx, resolve.LinkRequest{Request: as(alice, m), Email: "claimant@example.test"})
	require.NoError(t, err, "Link account fits a claim_review")
	res, err := s.resolve.VerifyAndProvision(ctx, as(alice, s.mismatchState(t, m.ID)))
	require.NoError(t, err)
	assert.Equal(t, "resolved", res.Status)
	o, err := s.store.OrderByPublicRef(ctx, s.refOf(t, res.OrderID))
	require.NoError(t, err)
	assert.Equal(t, "claimant@example.test", o.Email, "served to the address staff linked")
	assert.Equal(t, string(billing.ViaStaff), o.FulfilledVia)
	assert.Equal(t, p.PaymentIntent, o.PaymentIntentID)
	assert.Equal(t, m.Version+1, linked.Version)
}

// parts are the evidence of a mismatch page: its parts' titles in order,
// and each part's facts by name.
type parts struct {
	titles []string
	facts  map[string]map[string]string
}

func evidenceParts(p page) parts {
	out := parts{facts: map[string]map[string]string{}}
	var title, name string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "h3":
				title = textOf(n)
				out.titles = append(out.titles, title)
				out.facts[title] = map[string]string{}
			case "dt":
				name = textOf(n)
			case "dd":
				out.facts[title][name] = textOf(n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range p.all("mismatch-evidence") {
		walk(n)
	}
	return out
}
