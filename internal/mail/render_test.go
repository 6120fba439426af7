package mail

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestDefaultsRenderWithSampleData(t *testing.T) {
	t.Parallel()
	data := SampleData()
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, ok := Default(name)
			require.True(t, ok)
			require.NoError(t, Validate(name, c.Subject, c.HTML, c.Text))

			out, err := Render(c, data)
			require.NoError(t, err)
			assert.NotContains(t, out.Subject, "\n")
			for _, part := range []string{out.Subject, out.HTML, out.Text} {
				assert.NotContains(t, part, "{{")
				assert.NotContains(t, part, "<no value>")
			}
			assert.Contains(t, out.HTML, "<html>")
			assert.NotContains(t, out.Text, "<p>")
			// Every variable the template documents shows up in both bodies.
			for _, v := range Variables(name) {
				for _, value := range shownValues(reflect.ValueOf(data).FieldByName(strings.TrimPrefix(v.Name, "."))) {
					assert.Contains(t, out.Text, value, "text body shows %s", v.Name)
					assert.Contains(t, out.HTML, value, "html body shows %s", v.Name)
				}
			}
		})
	}
}

// shownValues is what a variable should put in a body: a string as it is,
// and every field of every element of a list (Orders).
func shownValues(v reflect.Value) []string {
	if v.Kind() != reflect.Slice {
		return []string{v.String()}
	}
	var out []string
	for i := range v.Len() {
		el := v.Index(i)
		for j := range el.NumField() {
			out = append(out, el.Field(j).String())
		}
	}
	return out
}

func TestCustomerTemplatesShowReferenceAndStatusURL(t *testing.T) {
	t.Parallel()
	data := SampleData()
	for _, name := range Names() {
		if name == StaffAlert || name == ClaimReceived {
			continue // about no order: no reference or status page yet
		}
		c, _ := Default(name)
		out, err := Render(c, data)
		require.NoError(t, err)
		assert.Contains(t, out.Text, data.PublicRef, name)
		assert.Contains(t, out.Text, data.StatusURL, name)
		assert.Contains(t, out.HTML, `href="`+data.StatusURL+`"`, name)
	}
}

// The documented variables of each default are exactly the ones it uses, so
// the console's table never lies.
func TestVariablesMatchDefaults(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		c, _ := Default(name)
		used := map[string]bool{}
		for _, src := range []string{c.Subject, c.HTML, c.Text} {
			tmpl, err := texttemplate.New("t").Parse(src)
			require.NoError(t, err)
			collectFields(tmpl.Root, used)
		}
		var want []string
		for _, v := range Variables(name) {
			want = append(want, v.Name)
		}
		var got []string
		for f := range used {
			got = append(got, "."+f)
		}
		slices.Sort(want)
		slices.Sort(got)
		assert.Equal(t, want, got, name)
	}
}

func collectFields(n parse.Node, used map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			collectFields(c, used)
		}
	case *parse.ActionNode:
		for _, cmd := range n.Pipe.Cmds {
			for _, arg := range cmd.Args {
				collectFields(arg, used)
			}
		}
	case *parse.IfNode:
		collectFields(n.Pipe, used)
		collectFields(n.List, used)
		collectFields(n.ElseList, used)
	case *parse.RangeNode:
		// Inside the range the dot is an element (an order), not Data.
		collectFields(n.Pipe, used)
		collectFields(n.ElseList, used)
	case *parse.PipeNode:
		for _, cmd := range n.Cmds {
			for _, arg := range cmd.Args {
				collectFields(arg, used)
			}
		}
	case *parse.FieldNode:
		used[n.Ident[0]] = true
	}
}

func TestVariableDocsCoverData(t *testing.T) {
	t.Parallel()
	fields := dataFields()
	assert.Len(t, variableDocs, len(fields))
	for _, f := range fields {
		assert.NotEmpty(t, variableDocs[f], f)
	}
	assert.Len(t, templateVariables, len(Names()))
	assert.Nil(t, Variables("nope"))
	lineFields := reflect.TypeFor[OrderLine]()
	assert.Len(t, orderLineDocs, lineFields.NumField())
	for i := range lineFields.NumField() {
		assert.NotEmpty(t, orderLineDocs[lineFields.Field(i).Name], lineFields.Field(i).Name)
	}
}

func TestRenderEscapesHTMLOnlyInHTML(t *testing.T) {
	t.Parallel()
	c := Content{Subject: "Hi {{.Reason}}", HTML: "<p>{{.Reason}}</p>", Text: "{{.Reason}}"}
	out, err := Render(c, Data{Reason: "<b>x</b> & y\r\nBcc: evil@example.com"})
	require.NoError(t, err)
	assert.Equal(t, "Hi <b>x</b> & y Bcc: evil@example.com", out.Subject, "subject folded onto one line")
	assert.Contains(t, out.HTML, "&lt;b&gt;x&lt;/b&gt; &amp; y")
	assert.Contains(t, out.Text, "<b>x</b> & y")
}

func TestRenderErrorIsInvalidWithLine(t *testing.T) {
	t.Parallel()
	_, err := Render(Content{Subject: "s", HTML: "<p>\n{{.Nope}}</p>", Text: "t"}, SampleData())
	require.Error(t, err)
	assert.True(t, apperr.Is(err, apperr.Invalid))
	assert.Contains(t, apperr.SafeMessage(err, ""), "html body line 2:")
}

func TestPreviewDraftRendersTheCaseAndValidates(t *testing.T) {
	t.Parallel()
	c, _ := Default(OrderConfirmation)
	p, err := PreviewDraft(OrderConfirmation, c, "")
	require.NoError(t, err)
	assert.Equal(t, "prompt_purchase", p.Case.Key, "a template's own case comes first")
	assert.Contains(t, p.Out.Subject, p.Case.Data.PublicRef)
	assert.Empty(t, p.Problems)

	p, err = PreviewDraft(OrderConfirmation, Content{Subject: "{{.Foo}}", HTML: c.HTML, Text: c.Text}, "refund")
	require.NoError(t, err, "problems in a draft are the preview's, not an error")
	assert.Equal(t, "A refund", p.Case.Title)
	assert.Empty(t, p.Out.Subject)
	assert.Contains(t, p.Out.Text, "$249.00", "the parts that render are shown")
	assert.Equal(t, []Problem{{Part: PartSubject, Line: 1, Col: 3, Msg: "unknown variable .Foo"}}, p.Problems)

	_, err = PreviewDraft(OrderConfirmation, c, "nope")
	assert.True(t, apperr.Is(err, apperr.Invalid))
	_, err = PreviewDraft("welcome", c, "")
	assert.True(t, apperr.Is(err, apperr.Invalid))
}
