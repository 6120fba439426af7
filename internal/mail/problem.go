package mail

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backstophq/backstop/internal/apperr"
)

// The parts of a template, as Problem.Part names them (and the form fields
// of the editor).
const (
	PartSubject = "subject"
	PartHTML    = "html"
	PartText    = "text"
)

// partLabel is how messages name a part.
func partLabel(part string) string {
	switch part {
	case PartHTML:
		return "html body"
	case PartText:
		return "text body"
	}
	return part
}

// Problem is one reason a template is refused, placed so the editor can
// highlight it: the part, the line and the column (both from 1, in
// characters; 0 when the problem is the part as a whole), and for problems
// found by rendering, the sample case that showed it.
type Problem struct {
	Part string // PartSubject, PartHTML or PartText
	Line int
	Col  int
	Case string // the title of the sample case, for render errors
	Msg  string
}

// String reads like "html body line 3: unknown variable .Foo (column 5)".
func (p Problem) String() string {
	s := partLabel(p.Part)
	if p.Line > 0 {
		s += " line " + strconv.Itoa(p.Line)
	}
	s += ": " + p.Msg
	var where []string
	if p.Col > 0 {
		where = append(where, "column "+strconv.Itoa(p.Col))
	}
	if p.Case != "" {
		where = append(where, "sample: "+p.Case)
	}
	if len(where) > 0 {
		s += " (" + strings.Join(where, ", ") + ")"
	}
	return s
}

// ValidationError carries the problems of a refused template. It comes
// wrapped in an apperr Invalid whose message lists them all.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string { return joinProblems(e.Problems) }

func joinProblems(ps []Problem) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, "; ")
}

// invalid returns the apperr Invalid for problems.
func invalid(problems []Problem) error {
	return apperr.Wrap(apperr.Invalid, joinProblems(problems), &ValidationError{Problems: problems})
}

// Problems returns the problems err carries, or nil when it carries none.
func Problems(err error) []Problem {
	var v *ValidationError
	if errors.As(err, &v) {
		return v.Problems
	}
	return nil
}

// position gives the line and column (from 1, in characters) of byte
// offset pos in src.
func position(src string, pos int) (line, col int) {
	pos = min(max(pos, 0), len(src))
	before := src[:pos]
	start := strings.LastIndexByte(before, '\n') + 1
	return strings.Count(before, "\n") + 1, utf8.RuneCountInString(before[start:]) + 1
}

// lineText returns line n (from 1) of src, or "".
func lineText(src string, n int) string {
	lines := strings.Split(src, "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
}

// errorProblem places an error from parsing or executing part, whose
// source is src. text/template's parse errors read "template: NAME:LINE:
// MSG" and give no column, so it is guessed from the line (guessCol);
// execution errors read "template: NAME:LINE:BYTE: executing "NAME" at
// <X>: MSG", the byte counted from 0 within the line; html/template's
// escaping errors carry the node where it can name one.
func errorProblem(part, src string, err error) Problem {
	var he *htmltemplate.Error
	if errors.As(err, &he) {
		return htmlProblem(part, src, he)
	}
	nums, msg := locate(part, err.Error())
	p := Problem{Part: part, Msg: msg}
	switch len(nums) {
	case 1:
		p.Line = nums[0]
		p.Col = guessCol(lineText(src, p.Line), msg)
	case 2:
		p.Line = nums[0]
		text := lineText(src, p.Line)
		p.Col = utf8.RuneCountInString(text[:min(nums[1], len(text))]) + 1
	}
	return p
}

func htmlProblem(part, src string, he *htmltemplate.Error) Problem {
	p := Problem{Part: part, Msg: he.Description}
	switch {
	case he.ErrorCode == htmltemplate.ErrEndContext:
		p.Msg = "ends inside an unclosed tag, attribute or comment"
		if i := unclosedTag(src); i >= 0 {
			p.Line, p.Col = position(src, i)
		}
	case he.Node != nil:
		p.Line, p.Col = position(src, int(he.Node.Position()))
	case he.Line > 0:
		p.Line = he.Line
		p.Col = guessCol(lineText(src, p.Line), p.Msg)
	}
	return p
}

// unclosedTag finds the last "<" that no ">" follows, where html/template
// says a part ends inside a tag, or -1.
func unclosedTag(src string) int {
	i := strings.LastIndexByte(src, '<')
	if i < 0 || strings.IndexByte(src[i:], '>') >= 0 {
		return -1
	}
	return i
}

// locate splits an error from text/template into the numbers after the
// template's name (the line, then maybe a byte offset) and the message.
func locate(part, s string) ([]int, string) {
	s = strings.TrimPrefix(s, "template: ")
	s = strings.TrimPrefix(strings.TrimPrefix(s, part), ":")
	if i := strings.Index(s, "executing "); i >= 0 {
		if j := strings.Index(s[i:], " at <"); j >= 0 {
			if k := strings.Index(s[i+j:], ">: "); k >= 0 {
				s = s[:i] + s[i+j+k+3:]
			}
		}
	}
	var nums []int
	for len(nums) < 2 {
		digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
		if digits == 0 {
			break
		}
		v, _ := strconv.Atoi(s[:digits])
		nums = append(nums, v)
		s = strings.TrimPrefix(s[digits:], ":")
	}
	return nums, strings.TrimSpace(s)
}

// guessCol places a parse error on its line: at the quoted token the
// message names (function "env", unexpected "}"), else at the last action
// that opens on the line, else at its start.
func guessCol(text, msg string) int {
	action := strings.LastIndex(text, "{{")
	if tok := quoted(msg); tok != "" {
		if i := strings.Index(text[max(action, 0):], tok); i >= 0 {
			return utf8.RuneCountInString(text[:max(action, 0)+i]) + 1
		}
		if i := strings.Index(text, tok); i >= 0 {
			return utf8.RuneCountInString(text[:i]) + 1
		}
	}
	if action >= 0 {
		return utf8.RuneCountInString(text[:action]) + 1
	}
	return 1
}

// quoted returns the first "double-quoted" or 'single-quoted' token of msg.
func quoted(msg string) string {
	for _, q := range []string{`"`, `'`} {
		if i := strings.Index(msg, q); i >= 0 {
			if j := strings.Index(msg[i+1:], q); j > 0 {
				return msg[i+1 : i+1+j]
			}
		}
	}
	return ""
}

// sizeProblem refuses a part larger than MaxPartBytes.
func sizeProblem(part, src string) (Problem, bool) {
	if len(src) <= MaxPartBytes {
		return Problem{}, false
	}
	return Problem{Part: part, Msg: fmt.Sprintf("is %d KiB; a part can be at most %d KiB", (len(src)+1023)>>10, MaxPartBytes>>10)}, true
}
