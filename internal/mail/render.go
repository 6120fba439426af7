package mail

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// Content is one email's three parts, either as template source or rendered.
type Content struct {
	Subject string
	HTML    string
	Text    string
}

// part is one part of a Content with its caps.
type part struct {
	name, src string
	max       int
}

func (c Content) parts(lim limits) []part {
	return []part{
		{PartSubject, c.Subject, lim.maxSubject},
		{PartHTML, c.HTML, lim.maxBody},
		{PartText, c.Text, lim.maxBody},
	}
}

// Render renders c with data: the subject and the text body with
// text/template, the HTML body with html/template, so every value is escaped
// for where it lands. Each part is checked as Validate checks it before it
// runs (a template stored before a rule existed is held to it too), and the
// render keeps the caps of limits.go: MaxRenderTime for the three parts
// together, MaxBodyBytes and MaxSubjectBytes of output. The only functions
// are text/template's harmless builtins, so a template can reach nothing
// but data. The rendered subject is folded onto one line, so no value can
// inject a header. An error is apperr.Invalid; Problems(err) places it.
func Render(c Content, data Data) (Content, error) {
	out, problems := render(c, data, defaultLimits())
	if len(problems) > 0 {
		return Content{}, invalid(problems)
	}
	return out, nil
}

// render renders every part it can and returns the problems of the others.
func render(c Content, data Data, lim limits) (Content, []Problem) {
	return renderExcept(c, data, lim, nil)
}

// renderExcept is render leaving out the parts named in skip, which come
// back empty and without problems: Validate renders each sample case only
// for the parts whose source passed, so a refused 64 KiB part is parsed
// once, not once a case.
func renderExcept(c Content, data Data, lim limits, skip map[string]bool) (Content, []Problem) {
	return renderWith(c, data, lim, skip, compileFresh)
}

// compiler returns part p compiled with its capped functions bound to b,
// and the function to call once the render of it is over; or the
// problems that refuse it. compileFresh parses p every time; a
// templateCache keeps what it parsed.
type compiler func(p part, b *budget) (executable, func(), []Problem)

func compileFresh(p part, b *budget) (executable, func(), []Problem) {
	t, problems := compile(p.name, p.src, b.funcs())
	return t, func() {}, problems
}

// renderWith renders each part of c not in skip, compiling it with comp,
// under one budget for the three.
func renderWith(c Content, data Data, lim limits, skip map[string]bool, comp compiler) (Content, []Problem) {
	b, release := startBudget(lim.maxTime)
	defer release()
	var out [3]string
	var problems []Problem
	for i, p := range c.parts(lim) {
		if skip[p.name] {
			continue
		}
		s, ps := renderPart(p, data, b, comp)
		out[i], problems = s, append(problems, ps...)
	}
	return Content{Subject: strings.Join(strings.Fields(out[0]), " "), HTML: out[1], Text: out[2]}, problems
}

func renderPart(p part, data Data, b *budget, comp compiler) (string, []Problem) {
	t, done, problems := comp(p, b)
	if len(problems) > 0 {
		return "", problems
	}
	defer done()
	w := &cappedWriter{max: p.max, b: b}
	if err := execute(t, w, data); err != nil {
		return "", []Problem{execProblem(p, err)}
	}
	return w.buf.String(), nil
}

// execProblem places an error from executing p; a render stopped by a cap
// says which.
func execProblem(p part, err error) Problem {
	switch {
	case errors.Is(err, ErrRenderTime):
		return Problem{Part: p.name, Msg: ErrRenderTime.Error()}
	case errors.Is(err, ErrRenderOutput):
		return Problem{Part: p.name, Msg: fmt.Sprintf("renders more than %s", sizeWords(p.max))}
	}
	return errorProblem(p.name, p.src, err)
}

func sizeWords(n int) string {
	if n >= 1<<10 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d characters", n)
}

// executable is a parsed template of either package.
type executable interface {
	Execute(w io.Writer, data any) error
}

// execute runs t. text/template turns a failed write or function into an
// error, but a panic in reflection would take the worker with it, so it
// is caught here and becomes a render error too.
func execute(t executable, w io.Writer, data Data) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("could not be rendered: %v", r)
		}
	}()
	return t.Execute(w, data)
}

// compile parses src as part name with funcs, the capped print functions
// of one budget (see budget.funcs), and checks its tree: a part that
// compiles is one check.go allows.
func compile(name, src string, funcs map[string]any) (executable, []Problem) {
	t, trees, problems := parsePart(name, src, funcs)
	if len(problems) > 0 {
		return nil, problems
	}
	if problems := checkTrees(name, src, trees); len(problems) > 0 {
		return nil, problems
	}
	return t, nil
}

// parsePart parses src as part name with the package that renders it and
// the capped functions funcs. It refuses an empty or oversized part and a
// parse error.
func parsePart(name, src string, funcs map[string]any) (executable, []*parse.Tree, []Problem) {
	if strings.TrimSpace(src) == "" {
		return nil, nil, []Problem{{Part: name, Msg: "must not be empty"}}
	}
	if p, big := sizeProblem(name, src); big {
		return nil, nil, []Problem{p}
	}
	var trees []*parse.Tree
	if name == PartHTML {
		h, err := htmltemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(src)
		if err != nil {
			return nil, nil, []Problem{errorProblem(name, src, err)}
		}
		for _, d := range h.Templates() {
			trees = append(trees, d.Tree)
		}
		return h, trees, nil
	}
	x, err := texttemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, nil, []Problem{errorProblem(name, src, err)}
	}
	for _, d := range x.Templates() {
		trees = append(trees, d.Tree)
	}
	return x, trees, nil
}

// checkTrees refuses any {{define}} or {{block}} (a tree of another name)
// and checks the part's own tree.
func checkTrees(name, src string, trees []*parse.Tree) (problems []Problem) {
	c := newChecker(name, src)
	defer func() {
		// A tree the checker does not understand is a bug of ours; it
		// refuses the part rather than letting it run, or crashing.
		if r := recover(); r != nil {
			problems = []Problem{{Part: name, Msg: fmt.Sprintf("could not be checked: %v", r)}}
		}
	}()
	for _, tree := range trees {
		if tree == nil || tree.Root == nil {
			continue
		}
		if tree.Name != name {
			c.problem(tree.Root, "{{define}} and {{block}} are not allowed: each part is one template, written out in full")
			continue
		}
		c.list(tree.Root, dataType)
	}
	return c.problems
}
