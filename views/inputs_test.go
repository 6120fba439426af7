package views_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/views"
	"github.com/backstophq/backstop/web"
)

// styledInputRE finds the input types app.css gives the shared field look.
var styledInputRE = regexp.MustCompile(`input\[type="([a-z]+)"\]`)

// TestEveryFieldHasTheSharedLook: each visible input on the customer and
// staff forms has a type that app.css styles. An input without a type (the
// /status reference field was one) is a text field to the browser but
// matches no rule, and shows in the browser's default look.
func TestEveryFieldHasTheSharedLook(t *testing.T) {
	t.Parallel()
	styled := map[string]bool{}
	for _, m := range styledInputRE.FindAllStringSubmatch(web.CSS(), -1) {
		styled[m[1]] = true
	}
	require.NotEmpty(t, styled)
	plan := billing.Plan{Code: "pro-yearly", Name: "Pro", Amount: 24900, Currency: "usd", Interval: "year", Active: true}
	pages := map[string]templ.Component{
		"status lookup": views.StatusLookupForm(views.StatusLookupView{SupportEmail: "help@acme.test"}),
		"pricing":       views.PricingContent(views.PricingView{Plans: []billing.Plan{plan}}),
		"console login": views.ConsoleLoginContent(views.ConsoleLoginView{}),
	}
	for name, c := range pages {
		var buf bytes.Buffer
		require.NoError(t, c.Render(context.Background(), &buf))
		doc, err := html.Parse(&buf)
		require.NoError(t, err)
		n := 0
		for _, in := range inputs(doc) {
			typ := attrOf(in, "type")
			if typ == "hidden" {
				continue
			}
			n++
			assert.True(t, styled[typ], "%s: input %q has type %q, which app.css does not style", name, attrOf(in, "name"), typ)
		}
		assert.Positive(t, n, "%s has a visible field", name)
	}
}

func inputs(n *html.Node) []*html.Node {
	var out []*html.Node
	if n.Type == html.ElementNode && n.Data == "input" {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, inputs(c)...)
	}
	return out
}

func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
