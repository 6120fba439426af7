package mail

import (
	"bytes"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/backstophq/backstop/internal/apperr"
)

// Content is one email's three parts, either as template source or rendered.
type Content struct {
	Subject string
	HTML    string
	Text    string
}

// The names the parts carry in parse trees and in error messages.
const (
	partSubject = "subject"
	partHTML    = "html body"
	partText    = "text body"
)

// Render renders c with data: the subject and the text body with
// text/template, the HTML body with html/template, so every value is escaped
// for where it lands. No custom functions are installed, so a template can
// reach nothing but data. The rendered subject is folded onto one line, so
// no value can inject a header. An error is apperr.Invalid and names the
// part and line.
func Render(c Content, data Data) (Content, error) {
	subject, err := renderText(partSubject, c.Subject, data)
	if err != nil {
		return Content{}, err
	}
	html, err := renderHTML(c.HTML, data)
	if err != nil {
		return Content{}, err
	}
	text, err := renderText(partText, c.Text, data)
	if err != nil {
		return Content{}, err
	}
	return Content{Subject: strings.Join(strings.Fields(subject), " "), HTML: html, Text: text}, nil
}

// Preview validates c as template name and renders it with SampleData, for
// the console's live preview. Errors are apperr.Invalid and name the line.
func Preview(name string, c Content) (Content, error) {
	if err := Validate(name, c.Subject, c.HTML, c.Text); err != nil {
		return Content{}, err
	}
	return Render(c, SampleData())
}

func renderText(part, src string, data Data) (string, error) {
	t, err := texttemplate.New(part).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", templateErr(part, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", templateErr(part, err)
	}
	return buf.String(), nil
}

func renderHTML(src string, data Data) (string, error) {
	t, err := htmltemplate.New(partHTML).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", templateErr(partHTML, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", templateErr(partHTML, err)
	}
	return buf.String(), nil
}

// templateErr turns a parse or execution error into an Invalid error whose
// safe message names the part and the line, e.g. "html body line 3:
// unexpected EOF".
func templateErr(part string, err error) error {
	line, msg := locate(part, err.Error())
	if strings.HasPrefix(msg, "ends in a non-text context") {
		msg = "ends inside an unclosed tag, attribute or comment"
	}
	if line == 0 {
		return apperr.Wrap(apperr.Invalid, part+": "+msg, err)
	}
	return apperr.Wrap(apperr.Invalid, lineMsg(part, line, msg), err)
}

func lineMsg(part string, line int, msg string) string {
	return part + " line " + strconv.Itoa(line) + ": " + msg
}

// locate finds the line and the message in an error from text/template or
// html/template, whose formats are "template: NAME:LINE: MSG",
// "template: NAME:LINE:COL: executing "NAME" at <X>: MSG" and
// "html/template:NAME:LINE:COL: MSG". It gives line 0 when there is none.
func locate(part, s string) (int, string) {
	for _, prefix := range []string{"template: ", "html/template:"} {
		s = strings.TrimPrefix(s, prefix)
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, part), ":")
	if i := strings.Index(s, "executing "); i >= 0 {
		if j := strings.Index(s[i:], " at <"); j >= 0 {
			s = s[:i] + s[i+j+1:]
		}
	}
	line := 0
	for n := 0; n < 2; n++ { // the line, then an optional column
		digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
		if digits == 0 {
			break
		}
		v, _ := strconv.Atoi(s[:digits])
		if n == 0 {
			line = v
		}
		s = strings.TrimPrefix(s[digits:], ":")
	}
	return line, strings.TrimSpace(s)
}
