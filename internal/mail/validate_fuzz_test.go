package mail

import (
	"strings"
	"testing"

	"github.com/backstophq/backstop/internal/apperr"
)

// FuzzValidate feeds Validate any three parts, one at a time in place of a
// valid default's (part picks which: 0 subject, 1 html, 2 text, else all
// three from src), and holds it to its promise: it refuses with
// apperr.Invalid and at least one placed problem, none of them a panic the
// checker or the renderer caught (those are bugs of ours, hidden from the
// editor as a refusal), or it accepts and then every sample case renders
// within the caps: a subject of at most MaxSubjectBytes on one line, bodies
// of at most MaxBodyBytes. A render stopped by the time cap on this busy
// machine is allowed; any other render failure of an accepted template is
// a checker hole.
func FuzzValidate(f *testing.F) {
	for _, h := range hostileTemplates() {
		f.Add(partIndex(h.part), h.src)
	}
	for _, s := range []string{
		"", " ", "{{", "}}", "{{.Email", "{{.Email}}", "{{.Nope}}", "{{$}}", "{{$.Email}}",
		"{{range .Orders}}{{.PublicRef}}{{end}}", "{{range $i, $o := .Orders}}{{$i}}{{$o.Amount}}{{end}}",
		"{{with .Orders}}{{index . 0}}{{end}}", "{{index .Orders 5}}", "{{slice .Email 3 1}}",
		"{{len .}}", "{{printf \"%v\" .}}", "{{printf \"%100v%100v\" . .}}", "{{print nil}}",
		"{{if and .Email (not .Orders)}}x{{else if .Reason}}y{{else}}z{{end}}", "{{break}}", "{{continue}}",
		"{{range .Orders}}{{break}}{{end}}", "{{/* comment */}}", "{{- .Email -}}", "<a href=\"{{.StatusURL}}\">x</a>",
		"<script>var x = {{.Email}}</script>", "<a href=\"{{.Email}}", "<{{.Email}}>", "\x00{{.Email}}", "\xff\xfe",
		"{{\"\\x00\"}}", "{{.Email | printf \"%s\"}}", "{{(index .Orders 0).Amount}}", "Subject\r\nBcc: x@example.com",
	} {
		f.Add(uint8(1), s)
		f.Add(uint8(3), s)
	}
	base, ok := Default(OrderConfirmation)
	if !ok {
		f.Fatal("no default for", OrderConfirmation)
	}
	f.Fuzz(func(t *testing.T, part uint8, src string) {
		c := base
		switch part {
		case 0:
			c.Subject = src
		case 1:
			c.HTML = src
		case 2:
			c.Text = src
		default:
			c = Content{Subject: src, HTML: src, Text: src}
		}
		err := Validate(OrderConfirmation, c.Subject, c.HTML, c.Text)
		if err != nil {
			refusedWell(t, err)
			return
		}
		for _, sc := range SampleCases() {
			out, err := Render(c, sc.Data)
			if err != nil {
				if ps := Problems(err); len(ps) > 0 && allTimeCap(ps) {
					continue
				}
				t.Fatalf("accepted, then %s failed to render: %v", sc.Key, err)
			}
			if len(out.Subject) > MaxSubjectBytes || strings.ContainsAny(out.Subject, "\r\n") {
				t.Fatalf("%s: subject of %d bytes or over lines: %q", sc.Key, len(out.Subject), out.Subject)
			}
			if len(out.HTML) > MaxBodyBytes || len(out.Text) > MaxBodyBytes {
				t.Fatalf("%s: bodies of %d and %d bytes", sc.Key, len(out.HTML), len(out.Text))
			}
		}
	})
}

func refusedWell(t *testing.T, err error) {
	t.Helper()
	ps := Problems(err)
	if !apperr.Is(err, apperr.Invalid) || len(ps) == 0 {
		t.Fatalf("refusal is not Invalid with problems: %v", err)
	}
	for _, p := range ps {
		if strings.Contains(p.Msg, "could not be checked") || strings.Contains(p.Msg, "could not be rendered") {
			t.Fatalf("a caught panic: %s", p)
		}
		if strings.TrimSpace(p.Msg) == "" {
			t.Fatalf("a problem without words: %#v", p)
		}
	}
}

func allTimeCap(ps []Problem) bool {
	for _, p := range ps {
		if p.Msg != ErrRenderTime.Error() {
			return false
		}
	}
	return true
}

func partIndex(name string) uint8 {
	switch name {
	case PartSubject:
		return 0
	case PartHTML:
		return 1
	}
	return 2
}
