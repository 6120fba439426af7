package views

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/store"
)

// TemplatesView is the list of email templates.
type TemplatesView struct {
	Shell     ConsoleShell
	Templates []mail.Summary
}

// TemplateEditorView is one template's editor: the text being edited (the
// saved draft, the live version, or what was just typed and sent back),
// its preview for one sample case, and what the page offers around it.
type TemplateEditorView struct {
	Shell     ConsoleShell
	Workspace mail.Workspace
	Content   mail.Content
	Preview   mail.Preview
	Diff      []mail.PartDiff // Content against the live version
	Variables []mail.Variable
	Cases     []mail.SampleCase
	Admin     bool   // may publish and revert
	Notice    string // why a change was refused, in words
}

// TemplateURL is the editor of template name.
func TemplateURL(name string) string { return "/console/templates/" + name }

func templateAction(name, action string) string { return TemplateURL(name) + "/" + action }

// Problems returns the preview's problems in part.
func (v TemplateEditorView) problemsIn(part string) []mail.Problem {
	var out []mail.Problem
	for _, p := range v.Preview.Problems {
		if p.Part == part {
			out = append(out, p)
		}
	}
	return out
}

// source is the text of part in the editor.
func (v TemplateEditorView) source(part string) string {
	switch part {
	case mail.PartHTML:
		return v.Content.HTML
	case mail.PartText:
		return v.Content.Text
	}
	return v.Content.Subject
}

// partLabel names a part for people.
func partLabel(part string) string {
	switch part {
	case mail.PartHTML:
		return "HTML body"
	case mail.PartText:
		return "Text body"
	}
	return "Subject"
}

// problemWhere is "Text body, line 3, column 13".
func problemWhere(p mail.Problem) string {
	s := partLabel(p.Part)
	if p.Line > 0 {
		s += ", line " + strconv.Itoa(p.Line)
	}
	if p.Col > 0 {
		s += ", column " + strconv.Itoa(p.Col)
	}
	return s
}

// snippet is the line of src a problem is on, split around its column, so
// the page can mark where it is: before, the character at the column (or
// "" at the end of the line), after. ok is false without a line.
func snippet(src string, p mail.Problem) (before, at, after string, ok bool) {
	lines := strings.Split(src, "\n")
	if p.Line < 1 || p.Line > len(lines) {
		return "", "", "", false
	}
	line := []rune(strings.TrimRight(lines[p.Line-1], "\r"))
	col := min(max(p.Col, 1), len(line)+1) - 1
	end := col
	for end < len(line) && end-col < 40 && !strings.ContainsRune(" }\"'<>", line[end]) {
		end++
	}
	if end == col && col < len(line) {
		end++
	}
	return string(line[:col]), string(line[col:end]), string(line[end:]), true
}

// versionNote says where a version came from.
func versionNote(v store.EmailTemplate) string {
	switch {
	case v.Version == 0:
		return "the shipped default"
	case v.RevertedFrom != nil:
		return "a copy of v" + strconv.Itoa(*v.RevertedFrom)
	}
	return ""
}

func vN(n int) string { return "v" + strconv.Itoa(n) }

// previewDoc is the document the preview frame shows: the rendered HTML
// with a policy of its own on top of the frame's sandbox, so nothing in it
// loads from anywhere (inline styles and data: images only).
func previewDoc(html string) string {
	const policy = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`
	if i := len("<!DOCTYPE html>"); len(html) >= i && strings.EqualFold(html[:i], "<!DOCTYPE html>") {
		return html[:i] + policy + html[i:]
	}
	return policy + html
}

// fieldRows is how tall a textarea starts: its lines, within bounds.
func fieldRows(src string, least, most int) string {
	return strconv.Itoa(min(max(strings.Count(src, "\n")+2, least), most))
}

// shortText cuts s to n characters for a list.
func shortText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// revisionOf is the draft revision the editor's form names: 0 while there
// is no saved draft.
func revisionOf(v TemplateEditorView) int {
	if !v.Workspace.HasDraft {
		return 0
	}
	return v.Workspace.Draft.Revision
}

// invalidAttr is aria-invalid for a field: "true" while the preview has a
// problem in its part.
func invalidAttr(v TemplateEditorView, part string) string {
	return boolAttr(len(v.problemsIn(part)) > 0)
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
