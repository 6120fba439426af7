package handlers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

func TestPricingListsPlanWithCheckoutForm(t *testing.T) {
	t.Parallel()
	ta := setup(t)

	res := ta.get(t, "/")

	require.Equal(t, http.StatusOK, res.status)
	page := doc(t, res.body)
	plan := one(t, page, "plan")
	assert.Equal(t, "pro-yearly", attr(plan, "data-plan"))
	assert.Equal(t, "Pro", text(one(t, plan, "plan-name")))
	assert.Equal(t, "$249.00", text(one(t, plan, "plan-price")))
	assert.Equal(t, "per year", text(one(t, plan, "plan-interval")))

	form := one(t, plan, "checkout-form")
	assert.Equal(t, "post", attr(form, "method"))
	assert.Equal(t, "/checkout", attr(form, "action"))
	email := one(t, form, "email")
	assert.Equal(t, "email", attr(email, "type"))
	assert.Equal(t, "email", attr(email, "name"))
	assert.True(t, hasAttr(email, "required"))
	assert.Equal(t, "pro-yearly", hiddenValue(t, form, "plan"))
	token := hiddenValue(t, form, "form_token")
	assert.Len(t, token, 26)
	assert.Empty(t, byTestID(page, "email-error"), "a fresh page shows no errors")
	assert.Equal(t, "no-store", res.header.Get("Cache-Control"))

	again := ta.get(t, "/")
	assert.NotEqual(t, token, hiddenValue(t, one(t, doc(t, again.body), "checkout-form"), "form_token"),
		"every page gets its own form token")
}

func TestPricingWithoutPlansSaysSoCalmly(t *testing.T) {
	t.Parallel()
	ta := setup(t)
	ta.plans.plans = nil

	res := ta.get(t, "/")

	require.Equal(t, http.StatusOK, res.status)
	page := doc(t, res.body)
	assert.Contains(t, text(one(t, page, "no-plans")), "Nothing has been charged")
	assert.Empty(t, byTestID(page, "checkout-form"))
}

// hiddenValue is the value of the hidden input named name inside n.
func hiddenValue(t *testing.T, n *html.Node, name string) string {
	t.Helper()
	var found []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "type") == "hidden" && attr(n, "name") == name {
			found = append(found, attr(n, "value"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	require.Len(t, found, 1, "hidden inputs named %q", name)
	return strings.TrimSpace(found[0])
}
