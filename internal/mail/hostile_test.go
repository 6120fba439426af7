package mail

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostile is a template someone with a console login might save, by
// mistake or on purpose. refused is the message Validate must give (a
// part of it); an empty refused means it must save, and then render every
// sample case within the caps with the data escaped.
type hostile struct {
	name    string
	part    string // where the source goes; the other parts stay valid
	src     string
	refused string
}

func hostileTemplates() []hostile {
	deepIf := strings.Repeat("{{if .Email}}", 17) + "x" + strings.Repeat("{{end}}", 17)
	okIf := strings.Repeat("{{if .Email}}", 16) + "x" + strings.Repeat("{{end}}", 16)
	deepParens := "{{print " + strings.Repeat("(print ", 9) + ".Email" + strings.Repeat(")", 9) + "}}"
	veryDeepParens := "{{len " + strings.Repeat("(print ", 3000) + ".Email" + strings.Repeat(")", 3000) + "}}"
	var doubling strings.Builder
	doubling.WriteString(`{{$a0 := printf "%100s" ""}}`)
	for i := 1; i <= 24; i++ {
		doubling.WriteString("{{$a" + strconv.Itoa(i) + " := printf \"%s%s\" $a" + strconv.Itoa(i-1) + " $a" + strconv.Itoa(i-1) + "}}")
	}
	var printDoubling strings.Builder
	printDoubling.WriteString(`{{$a0 := print "0123456789"}}`)
	for i := 1; i <= 24; i++ {
		printDoubling.WriteString("{{$a" + strconv.Itoa(i) + " := print $a" + strconv.Itoa(i-1) + " $a" + strconv.Itoa(i-1) + "}}")
	}
	wideFormat := `{{printf "` + strings.Repeat("%100[1]s", 700) + `" ""}}`
	flood := strings.Repeat(`{{printf "`+strings.Repeat("%100[1]s", 600)+`" ""}}`, 10)
	return []hostile{
		// Loops that never end, or end after the machine does.
		{"range over a huge integer", PartHTML, "{{range 1000000000000}}x{{end}}", "{{range}} can only go over a list"},
		{"range over a huge integer, writing nothing", PartText, "{{range 1000000000000000000}}{{end}}", "{{range}} can only go over a list"},
		{"range over an integer variable", PartText, "{{$n := 1000000000}}{{range $n}}{{end}}", "{{range}} can only go over a list"},
		{"range over len", PartText, "{{range len .Email}}{{end}}", "{{range}} can only go over a list"},
		{"range over a parenthesised integer", PartText, "{{range (1000000000)}}{{end}}", "{{range}} can only go over a list"},
		{"range over a string", PartText, "{{range .Email}}x{{end}}", "{{range}} can only go over a list"},
		{"a list variable turned into an integer", PartText, "{{$x := .Orders}}{{$x = 1000000000}}{{range $x}}{{end}}", "changing a variable"},
		{"range assigning to a variable", PartText, "{{$o := 1}}{{range $o = .Orders}}{{end}}", "changing a variable"},
		{"range inside range", PartText, "{{range .Orders}}{{range $.Orders}}x{{end}}{{end}}", "a {{range}} inside a {{range}}"},
		{"range inside with inside range", PartText, "{{range .Orders}}{{with $.Orders}}{{range .}}{{end}}{{end}}{{end}}", "a {{range}} inside a {{range}}"},
		{"range over or of lists", PartText, "{{range or .Orders .Orders}}{{end}}", "{{range}} can only go over a list"},
		// Recursion.
		{"recursion through define and template", PartHTML, `{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`, "{{define}} and {{block}} are not allowed"},
		{"doubling recursion", PartText, `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}x`, "{{define}} and {{block}} are not allowed"},
		{"block calling itself", PartText, `{{block "b" .}}{{template "b" .}}{{end}}`, "{{template}} is not allowed"},
		{"a define alone", PartText, `{{define "x"}}hidden{{end}}shown`, "{{define}} and {{block}} are not allowed"},
		{"redefining the part itself", PartText, `{{define "text"}}{{template "text" .}}{{end}}`, "{{template}} is not allowed"},
		// Nesting.
		{"if nested 17 deep", PartText, deepIf, "nested more than 16 levels deep"},
		{"parentheses nested 10 deep", PartText, deepParens, "parentheses nested more than 8 deep"},
		{"parentheses nested 3000 deep", PartText, veryDeepParens, "parentheses nested more than 8 deep"},
		{"if nested 16 deep is fine", PartText, okIf, ""},
		// Size.
		{"a huge literal", PartHTML, `{{"` + strings.Repeat("a", 70<<10) + `"}}`, "a part can be at most 64 KiB"},
		{"a huge text", PartText, strings.Repeat("all work and no play ", 4000), "a part can be at most 64 KiB"},
		{"a huge subject", PartSubject, strings.Repeat("Hello ", 200), "renders more than 1000 characters"},
		{"just under the cap, in a range", PartText, "{{range .Orders}}" + strings.Repeat("x", 60<<10) + "{{end}}", ""},
		// printf floods.
		{"printf width 999999999", PartText, `{{printf "%999999999d" 1}}`, "printf width 999999999 is too large"},
		{"printf width a million", PartHTML, `{{printf "%1000000d" 1}}`, "printf width 1000000 is too large"},
		{"printf precision", PartText, `{{printf "%.999999f" 1.5}}`, "printf width 999999 is too large"},
		{"printf width from an argument", PartText, `{{printf "%*d" 1000000 1}}`, "not taken from an argument"},
		{"printf format from the data", PartText, `{{printf .Reason 1}}`, "printf's format must be written in the template"},
		{"printf format piped in", PartText, `{{"%999999d" | printf}}`, "printf's format must be written in the template"},
		{"printf of many wide verbs", PartText, wideFormat, "printf made more than 64 KiB"},
		{"printf flood of the output", PartText, flood, "renders more than 256 KiB"},
		{"doubling through printf variables", PartText, doubling.String(), "printf made more than 64 KiB"},
		{"doubling through print variables", PartHTML, printDoubling.String(), "print made more than 64 KiB"},
		// Functions that are not harmless.
		{"call", PartText, "{{call .Email}}", `the function "call" is not allowed`},
		{"js growing a variable", PartText, `{{$a := js "<<<<"}}{{$a}}`, `the function "js" is not allowed`},
		{"html by hand", PartHTML, "{{html .Email}}", `the function "html" is not allowed`},
		{"urlquery by hand", PartHTML, `<a href="/?q={{urlquery .Email}}">x</a>`, `the function "urlquery" is not allowed`},
		// Methods, unknown fields, the environment and files.
		{"a method of a string", PartText, "{{.Email.Len}}", "unknown variable .Email.Len"},
		{"a method of the data", PartText, "{{.String}}", "unknown variable .String"},
		{"a method of an order", PartText, "{{(index .Orders 0).String}}", "unknown variable"},
		{"an unknown field", PartSubject, "{{.Password}}", "unknown variable .Password"},
		{"a lower-case field", PartText, "{{.email}}", "unknown variable .email"},
		{"a field of a number", PartText, "{{$x := 1}}{{$x.Field}}", "unknown variable $x.Field"},
		{"env", PartText, `{{env "HOME"}}`, `function "env" not defined`},
		{"readFile", PartHTML, `{{readFile "/etc/passwd"}}`, `function "readFile" not defined`},
		{"os.Getenv", PartText, `{{os.Getenv "HOME"}}`, `function "os" not defined`},
		{"exec", PartText, `{{exec "rm -rf /"}}`, `function "exec" not defined`},
		{"the environment through the data", PartText, "{{$.Env.HOME}}", "unknown variable $.Env"},
		{"a file through template", PartText, `{{template "/etc/passwd"}}`, "{{template}} is not allowed"},
		// Errors only the data shows.
		{"an index the data does not have", PartText, "{{index .Orders 5}}", "index out of range"},
		{"a slice past the end", PartText, "{{slice .Email 0 100000000}}", "out of range"},
		{"an unclosed attribute", PartHTML, `<a href="{{.StatusURL}}>here</a>`, "ends inside an unclosed tag"},
		{"a huge number", PartText, "{{1e1000000}}", "number syntax"},
		{"break outside a range", PartText, "{{break}}", "{{break}} outside {{range}}"},
		// Injection through the data: saved, and rendered escaped.
		{"data in a script", PartHTML, "<script>var email = {{.Email}};</script><p>{{.Reason}}</p>", ""},
		{"data in an href", PartHTML, `<a href="{{.StatusURL}}">status</a> <a href="mailto:{{.Email}}">me</a>`, ""},
		{"data in attributes and style", PartHTML, `<p title="{{.PlanName}}" style="color: {{.Reason}}">{{.PublicRef}}</p>`, ""},
		{"data in a list", PartHTML, `{{range .Orders}}<a href="{{.StatusURL}}">{{.PublicRef}}</a> {{.Status}}{{end}}`, ""},
		{"the whole data printed", PartHTML, "<pre>{{printf \"%v\" .}}</pre>", ""},
		{"a person's message in the subject", PartSubject, "Re: {{.Message}} {{.StaffName}}", ""},
	}
}

func TestHostileTemplates(t *testing.T) {
	t.Parallel()
	cases := hostileTemplates()
	require.GreaterOrEqual(t, len(cases), 40)
	base, _ := Default(OrderConfirmation)
	for _, h := range cases {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			c := base
			switch h.part {
			case PartSubject:
				c.Subject = h.src
			case PartHTML:
				c.HTML = h.src
			case PartText:
				c.Text = h.src
			}
			err := Validate(OrderConfirmation, c.Subject, c.HTML, c.Text)
			if h.refused != "" {
				require.Error(t, err, "must be refused on save")
				problems := Problems(err)
				require.NotEmpty(t, problems)
				assert.Equal(t, h.part, problems[0].Part)
				assert.Contains(t, problems[0].Msg, h.refused)
				// Render holds a stored template to the same rules.
				_, err = Render(c, SampleData())
				assert.Error(t, err, "Render refuses it too")
				return
			}
			require.NoError(t, err, "must save")
			for _, sc := range SampleCases() {
				out, err := Render(c, sc.Data)
				require.NoError(t, err, sc.Key)
				assertEscaped(t, out)
			}
		})
	}
}

// assertEscaped checks that no markup from the markup_in_data case came
// through as markup.
func assertEscaped(t *testing.T, out Content) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", `href="javascript:`, "<b>Sam</b>", `<a href="javascript:alert(3)">`} {
		assert.NotContains(t, out.HTML, bad)
	}
	assert.NotContains(t, out.Subject, "\n")
	assert.NotContains(t, out.Subject, "\r")
}

// The time cap is a fact of the implementation: a render that runs past it
// is stopped by the budget and refused with ErrRenderTime, whatever the
// machine's speed. The render here has a cap of 10 ms and a million
// writes to make.
func TestRenderStopsAtTheTimeCap(t *testing.T) {
	t.Parallel()
	d := SampleData()
	d.Orders = make([]OrderLine, 20_000)
	for i := range d.Orders {
		d.Orders[i] = OrderLine{PublicRef: "BK-7Q2M-XK4P"}
	}
	c := Content{Subject: "s", HTML: "<p>h</p>", Text: "{{range .Orders}}" + strings.Repeat("{{.PublicRef}} ", 50) + "\n{{end}}"}
	_, problems := render(c, d, limits{maxTime: 10 * time.Millisecond, maxBody: 1 << 30, maxSubject: 1000})
	require.NotEmpty(t, problems)
	assert.Contains(t, problems, Problem{Part: PartText, Msg: ErrRenderTime.Error()})
	for _, p := range problems {
		assert.Equal(t, ErrRenderTime.Error(), p.Msg, "a slow machine may stop an earlier part too, for the same reason")
	}

	_, err := Render(c, d)
	require.Error(t, err)
	assert.Equal(t, []Problem{{Part: PartText, Msg: "renders more than 256 KiB"}}, Problems(err),
		"with the real caps the output cap comes first")
}

func TestCappedWriterStopsTheBudget(t *testing.T) {
	t.Parallel()
	b := &budget{}
	w := &cappedWriter{max: 4, b: b}
	_, err := w.Write([]byte("abcd"))
	require.NoError(t, err)
	_, err = w.Write([]byte("e"))
	assert.ErrorIs(t, err, ErrRenderOutput)
	assert.ErrorIs(t, b.err(), ErrRenderOutput, "and nothing else runs in that render")
	_, err = b.funcs()["print"].(func(...any) (string, error))("x")
	assert.True(t, errors.Is(err, ErrRenderOutput))
}
