package mail

import (
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/backstophq/backstop/internal/apperr"
)

// Validate checks an edit of template name before it is saved: each part
// must parse, must reference only fields of Data, and must render with
// SampleData. The error is apperr.Invalid; its message lists every problem
// found, each naming the part and the line, e.g. "html body line 3: unknown
// variable .Foo", and is safe to show in the console.
func Validate(name, subject, html, text string) error {
	if !IsKnown(name) {
		return apperr.New(apperr.Invalid, fmt.Sprintf("unknown template %q", name))
	}
	var problems []string
	for _, p := range []struct{ part, src string }{
		{partSubject, subject}, {partHTML, html}, {partText, text},
	} {
		problems = append(problems, checkPart(p.part, p.src)...)
	}
	if len(problems) > 0 {
		return apperr.New(apperr.Invalid, strings.Join(problems, "; "))
	}
	return nil
}

// checkPart returns the problems of one part, parse errors first; when it
// parses and references only known variables it also renders it.
func checkPart(part, src string) []string {
	if strings.TrimSpace(src) == "" {
		return []string{part + ": must not be empty"}
	}
	trees, err := parseTrees(part, src)
	if err != nil {
		return []string{apperr.SafeMessage(err, part+": does not parse")}
	}
	c := checker{part: part, src: src, fields: dataFields()}
	for _, tree := range trees {
		c.walk(tree.Root, c.fields)
	}
	if len(c.problems) > 0 {
		return c.problems
	}
	var renderErr error
	if part == partHTML {
		_, renderErr = renderHTML(src, SampleData())
	} else {
		_, renderErr = renderText(part, src, SampleData())
	}
	if renderErr != nil {
		return []string{apperr.SafeMessage(renderErr, part+": does not render")}
	}
	return nil
}

// parseTrees parses src with the package that will render it and returns
// the parse tree of the template and of anything it defines.
func parseTrees(part, src string) ([]*parse.Tree, error) {
	var trees []*parse.Tree
	if part == partHTML {
		t, err := htmltemplate.New(part).Parse(src)
		if err != nil {
			return nil, templateErr(part, err)
		}
		for _, d := range t.Templates() {
			trees = append(trees, d.Tree)
		}
		return trees, nil
	}
	t, err := texttemplate.New(part).Parse(src)
	if err != nil {
		return nil, templateErr(part, err)
	}
	for _, d := range t.Templates() {
		trees = append(trees, d.Tree)
	}
	return trees, nil
}

// checker walks a parse tree and records every reference to a variable that
// is not a field of Data.
type checker struct {
	part     string
	src      string
	fields   []string
	problems []string
}

// walk checks n. dot lists the fields the dot has where n is: Data's at the
// top and inside if; an order's inside range over .Orders; none inside with
// or any other range, where the dot is a string value.
func (c *checker) walk(n parse.Node, dot []string) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, child := range n.Nodes {
			c.walk(child, dot)
		}
	case *parse.ActionNode:
		c.walk(n.Pipe, dot)
	case *parse.IfNode:
		c.branch(&n.BranchNode, dot, dot)
	case *parse.WithNode:
		c.branch(&n.BranchNode, dot, nil)
	case *parse.RangeNode:
		c.branch(&n.BranchNode, dot, rangeDot(n.Pipe, dot, c.fields))
	case *parse.TemplateNode:
		c.walk(n.Pipe, dot)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, cmd := range n.Cmds {
			c.walk(cmd, dot)
		}
	case *parse.CommandNode:
		for _, arg := range n.Args {
			c.walk(arg, dot)
		}
	case *parse.ChainNode:
		c.walk(n.Node, dot)
		c.unknown(n, n.String())
	case *parse.FieldNode:
		if len(n.Ident) != 1 || !slices.Contains(dot, n.Ident[0]) {
			c.unknown(n, n.String())
		}
	case *parse.VariableNode:
		c.variable(n)
	}
}

// rangeDot is what the dot holds inside a range over pipe: an order's
// fields for Data's .Orders (or $.Orders), nothing otherwise.
func rangeDot(pipe *parse.PipeNode, dot, root []string) []string {
	if pipe == nil || len(pipe.Cmds) != 1 || len(pipe.Cmds[0].Args) != 1 {
		return nil
	}
	switch arg := pipe.Cmds[0].Args[0].(type) {
	case *parse.FieldNode:
		if slices.Equal(dot, root) && slices.Equal(arg.Ident, []string{"Orders"}) {
			return orderLineFields()
		}
	case *parse.VariableNode:
		if slices.Equal(arg.Ident, []string{"$", "Orders"}) {
			return orderLineFields()
		}
	}
	return nil
}

func (c *checker) branch(b *parse.BranchNode, dot, inner []string) {
	c.walk(b.Pipe, dot)
	c.walk(b.List, inner)
	c.walk(b.ElseList, dot)
}

// variable checks $.Field (the root data) and $x.Field (a declared variable,
// which holds a string here, so it has no fields).
func (c *checker) variable(n *parse.VariableNode) {
	if len(n.Ident) < 2 {
		return
	}
	if n.Ident[0] == "$" && len(n.Ident) == 2 && slices.Contains(c.fields, n.Ident[1]) {
		return
	}
	c.unknown(n, n.String())
}

func (c *checker) unknown(n parse.Node, ref string) {
	c.problems = append(c.problems, lineMsg(c.part, c.lineOf(n), "unknown variable "+ref))
}

func (c *checker) lineOf(n parse.Node) int {
	pos := min(max(int(n.Position()), 0), len(c.src))
	return strings.Count(c.src[:pos], "\n") + 1
}
