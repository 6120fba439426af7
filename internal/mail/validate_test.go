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
		{"unknown variable in html", okSubject, "<p>\n</p>\n<p>{{.Foo}}</p>", okText, "html body line 3: unknown variable .Foo"},
		{"unknown variable in subject", "Hi {{.Name}}", okHTML, okText, "subject line 1: unknown variable .Name"},
		{"unknown nested field", okSubject, okHTML, "a\nb\n{{.Email.Domain}}", "text body line 3: unknown variable .Email.Domain"},
		{"field of dot inside with", okSubject, okHTML, "{{with .Email}}\n{{.Domain}}{{end}}", "text body line 2: unknown variable .Domain"},
		{"unknown root variable", okSubject, okHTML, "{{$.Secret}}", "text body line 1: unknown variable $.Secret"},
		{"unknown in if condition", okSubject, "{{if .IsAdmin}}x{{end}}", okText, "html body line 1: unknown variable .IsAdmin"},
		{"unknown function", okSubject, okHTML, "\n{{env \"HOME\"}}", "text body line 2: function \"env\" not defined"},
		{"undefined template call", okSubject, okHTML, "{{template \"other\" .}}", "text body line 1: "},
		{"empty subject", " ", okHTML, okText, "subject: must not be empty"},
		{"fields of an order inside range .Orders", okSubject, "{{range .Orders}}<a href=\"{{.StatusURL}}\">{{.PublicRef}}</a> {{$.SupportEmail}}{{else}}{{.Email}}{{end}}", "{{range $.Orders}}{{.PaidAt}}{{end}}", ""},
		{"order field outside range", okSubject, okHTML, "{{.PaidAt}}", "text body line 1: unknown variable .PaidAt"},
		{"unknown field of an order", okSubject, okHTML, "{{range .Orders}}\n{{.Card}}{{end}}", "text body line 2: unknown variable .Card"},
		{"data field inside range", okSubject, okHTML, "{{range .Orders}}{{.Email}}{{end}}", "text body line 1: unknown variable .Email"},
		{"two problems", "{{.A}}", okHTML, "{{.B}}", "subject line 1: unknown variable .A; text body line 1: unknown variable .B"},
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

func TestValidateRefusesUnknownTemplate(t *testing.T) {
	t.Parallel()
	err := Validate("welcome", "s", "h", "t")
	assert.True(t, apperr.Is(err, apperr.Invalid))
}
