package mail

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/backstophq/backstop/internal/apperr"
)

// Validate checks an edit of template name before it is saved or
// published. Each part must parse, keep the shape check.go allows (fields
// of Data only, harmless builtins only, no template calls, no range but
// over a list of the data, no range in a range) and the size cap, and must
// then render within the caps for every sample case (SampleCases), since
// html/template reports some escaping errors only when it executes. The
// error is apperr.Invalid; its message lists every problem, e.g. "html body
// line 3: unknown variable .Foo (column 5)", and is safe to show;
// Problems(err) gives them placed for the editor.
func Validate(name, subject, html, text string) error {
	if !IsKnown(name) {
		return apperr.New(apperr.Invalid, fmt.Sprintf("unknown template %q", name))
	}
	if problems := check(Content{Subject: subject, HTML: html, Text: text}); len(problems) > 0 {
		return invalid(problems)
	}
	return nil
}

// check returns the problems of c: first what its source shows, then for
// the parts without any, what rendering each sample case shows. A part
// that fails for one case is not rendered for the others, so one mistake
// is one problem, and a part that hits the time cap costs it once.
func check(c Content) []Problem {
	var problems []Problem
	static := map[string]bool{}
	lim := defaultLimits()
	for _, p := range c.parts(lim) {
		if _, ps := compile(p.name, p.src, (&budget{}).funcs()); len(ps) > 0 {
			problems = append(problems, ps...)
			static[p.name] = true
		}
	}
	failed := map[string]bool{}
	for _, sc := range SampleCases() {
		if len(static)+len(failed) == len(c.parts(lim)) {
			break // every part has its problem
		}
		_, ps := renderExcept(c, sc.Data, lim, union(static, failed))
		for _, p := range ps {
			if failed[p.Part] {
				continue
			}
			failed[p.Part] = true
			p.Case = sc.Title
			problems = append(problems, p)
		}
	}
	sortProblems(problems)
	return problems
}

func union(a, b map[string]bool) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// sortProblems puts problems in the order of the editor: subject, html,
// text, then by line and column.
func sortProblems(ps []Problem) {
	order := map[string]int{PartSubject: 0, PartHTML: 1, PartText: 2}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(order[a.Part], order[b.Part]), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}
