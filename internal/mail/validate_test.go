package mail

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/backstophq/backstop/internal/apperr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const okSubject, okHTML, okText = "Order {{.PublicRef}}", "<p>{{.Email}}</p>", "Hi {{.Email}}"
	tests := []struct {
		name                string
		subject, html, text string
		want                string // the safe message; empty means valid
	}{
		{"valid edit", "Your order {{.PublicRef}}", "<p>Hello</p>\n<p>{{if .Reason}}{{.Reason}}{{else}}none{{end}}</p>", "{{with .Email}}to {{.}}{{end}} {{$.PlanName}} {{printf \"%s!\" .Amount}}", ""},
		{"html syntax error", okSubject, "<p>\n\n{{.Email</p>", okText, "html body line 3: "},
		{"text unclosed action", okSubject, okHTML, "line one\n{{if .Email}}yes", "text body line 2: "},
		{"unknown variable in html", okSubject, "<p>\n</p>\n<p>{{.Foo}}</p>", okText, "html body line 3: unknown variable .Foo (column 6)"},
		{"unknown variable in subject", "Hi {{.Name}}", okHTML, okText, "subject line 1: unknown variable .Name (column 6)"},
		{"unknown nested field", okSubject, okHTML, "a\nb\n{{.Email.Domain}}", "text body line 3: unknown variable .Email.Domain (column 3)"},
		{"field of dot inside with", okSubject, okHTML, "{{with .Email}}\n{{.Domain}}{{end}}", "text body line 2: unknown variable .Domain (column 3)"},
		{"unknown root variable", okSubject, okHTML, "{{$.Secret}}", "text body line 1: unknown variable $.Secret (column 3)"},
		{"unknown in if condition", okSubject, "{{if .IsAdmin}}x{{end}}", okText, "html body line 1: unknown variable .IsAdmin (column 6)"},
		{"unknown function", okSubject, okHTML, "\n{{env \"HOME\"}}", "text body line 2: function \"env\" not defined (column 3)"},
		{"undefined template call", okSubject, okHTML, "{{template \"other\" .}}", "text body line 1: "},
		{"empty subject", " ", okHTML, okText, "subject: must not be empty"},
		{"fields of an order inside range .Orders", okSubject, "{{range .Orders}}<a href=\"{{.StatusURL}}\">{{.PublicRef}}</a> {{$.SupportEmail}}{{else}}{{.Email}}{{end}}", "{{range $.Orders}}{{.PaidAt}}{{end}}", ""},
		{"order field outside range", okSubject, okHTML, "{{.PaidAt}}", "text body line 1: unknown variable .PaidAt"},
		{"unknown field of an order", okSubject, okHTML, "{{range .Orders}}\n{{.Card}}{{end}}", "text body line 2: unknown variable .Card"},
		{"data field inside range", okSubject, okHTML, "{{range .Orders}}{{.Email}}{{end}}", "text body line 1: unknown variable .Email"},
		{"variables keep their type", okSubject, okHTML, "{{range $i, $o := .Orders}}{{$i}} {{$o.PublicRef}} {{$o.Nope}}{{end}}", "text body line 1: unknown variable $o.Nope (column 54)"},
		{"columns count characters", "Été {{.Nope}}", okHTML, okText, "subject line 1: unknown variable .Nope (column 7)"},
		{"two problems", "{{.A}}", okHTML, "{{.B}}", "subject line 1: unknown variable .A (column 3); text body line 1: unknown variable .B (column 3)"},
		{"a runtime error names the sample case", okSubject, okHTML, "{{(index .Orders 1).PublicRef}}", `text body line 1: error calling index: index out of range: 1 (column 4, sample: A prompt purchase)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(OrderConfirmation, tt.subject, tt.html, tt.text)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, apperr.Is(err, apperr.Invalid), "kind is %v", apperr.KindOf(err))
			assert.Contains(t, apperr.SafeMessage(err, ""), tt.want)
		})
	}
}

// The typo of the browser test: the editor gets the part, line and
// column to highlight.
func TestValidateProblemsArePlaced(t *testing.T) {
	t.Parallel()
	c, _ := Default(OrderConfirmation)
	err := Validate(OrderConfirmation, c.Subject, c.HTML, "Hello,\n\nYou paid {{ .Amout }}.\n")
	require.Error(t, err)
	assert.Equal(t, []Problem{{Part: PartText, Line: 3, Col: 13, Msg: "unknown variable .Amout"}}, Problems(err))
	assert.Nil(t, Problems(nil))
}

func TestValidateRefusesUnknownTemplate(t *testing.T) {
	t.Parallel()
	err := Validate("welcome", "s", "h", "t")
	assert.True(t, apperr.Is(err, apperr.Invalid))
}

func TestEveryDefaultValidatesAgainstEveryCase(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		c, ok := Default(name)
		require.True(t, ok, name)
		assert.NoError(t, Validate(name, c.Subject, c.HTML, c.Text), name)
	}
}
