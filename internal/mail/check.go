package mail

import (
	"fmt"
	"reflect"
	"strconv"
	"text/template/parse"
)

// The shape limits a part's parse tree must keep. With no template calls,
// no range over anything but a list from the data and no range inside a
// range, a render does at most (nodes × longest list) steps, so no template
// can spin without writing; the caps in limits.go stop the rest.
const (
	maxNesting     = 16  // if, with and range inside each other
	maxParens      = 8   // parenthesised pipelines inside each other
	maxPrintfWidth = 100 // the largest width or precision in a printf format
)

// allowedFuncs are the functions a template may call, all text/template
// builtins that only look at their arguments. call runs a function value,
// and html, js and urlquery escape by hand what html/template escapes by
// itself (or, in the text parts, nothing needs), so they are refused.
// print, printf and println are replaced at render by capped versions
// (limits.go).
var allowedFuncs = map[string]bool{
	"and": true, "or": true, "not": true, "len": true, "index": true, "slice": true,
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"print": true, "printf": true, "println": true,
}

// checker walks a part's parse tree with the type of the dot and of each
// declared variable, and records every reference to something that is not
// a field of the data, every function outside allowedFuncs and every
// construct that could loop without end.
type checker struct {
	part     string
	src      string
	problems []Problem
	scopes   []map[string]reflect.Type // innermost last; "$" is the data
	nesting  int
	ranges   int
	parens   int
}

func newChecker(part, src string) *checker {
	return &checker{part: part, src: src, scopes: []map[string]reflect.Type{{"$": dataType}}}
}

var (
	dataType   = reflect.TypeFor[Data]()
	stringType = reflect.TypeFor[string]()
	intType    = reflect.TypeFor[int]()
	boolType   = reflect.TypeFor[bool]()
)

func (c *checker) problem(n parse.Node, format string, args ...any) {
	line, col := position(c.src, startOf(n))
	c.problems = append(c.problems, Problem{Part: c.part, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// startOf is the offset where n is written. The parser places a field or
// variable with more than one name (.Email.Domain, $o.Nope) at its second
// name; the first is one name back.
func startOf(n parse.Node) int {
	pos := int(n.Position())
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) > 1 {
			pos -= 1 + len(n.Ident[0])
		}
	case *parse.VariableNode:
		if len(n.Ident) > 1 {
			pos -= len(n.Ident[0])
		}
	}
	return pos
}

// list checks the nodes of a list with dot of type dot.
func (c *checker) list(l *parse.ListNode, dot reflect.Type) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		c.node(n, dot)
	}
}

func (c *checker) node(n parse.Node, dot reflect.Type) {
	switch n := n.(type) {
	case *parse.ActionNode:
		c.declare(n.Pipe, c.pipe(n.Pipe, dot))
	case *parse.IfNode:
		c.branch(n, &n.BranchNode, dot, func(reflect.Type) reflect.Type { return dot })
	case *parse.WithNode:
		c.branch(n, &n.BranchNode, dot, func(t reflect.Type) reflect.Type { return t })
	case *parse.RangeNode:
		c.rangeNode(n, dot)
	case *parse.TemplateNode:
		c.problem(n, "{{template}} is not allowed: each part is one template, written out in full")
	}
}

// branch checks an if or with: its pipeline, whose variables both lists
// see, then its list with the dot inner gives for the pipeline's type, then
// its else list with the outer dot, each list in a scope of its own.
func (c *checker) branch(n parse.Node, b *parse.BranchNode, dot reflect.Type, inner func(reflect.Type) reflect.Type) {
	if !c.enter(n) {
		return
	}
	defer c.leave()
	t := c.pipe(b.Pipe, dot)
	c.declare(b.Pipe, t)
	c.scoped(b.List, inner(t))
	c.scoped(b.ElseList, dot)
}

// scoped checks a list in a scope of its own.
func (c *checker) scoped(l *parse.ListNode, dot reflect.Type) {
	c.push()
	defer c.pop()
	c.list(l, dot)
}

// rangeNode allows a range only over a list from the data, and never inside
// another range: Go's templates also range over integers and functions, and
// a range over 1e18, or lists inside lists, would run without end.
func (c *checker) rangeNode(n *parse.RangeNode, dot reflect.Type) {
	if !c.enter(n) {
		return
	}
	defer c.leave()
	var elem reflect.Type
	if t := c.pipe(n.Pipe, dot); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	switch {
	case c.ranges > 0:
		c.problem(n, "a {{range}} inside a {{range}} is not allowed")
	case elem == nil:
		c.problem(n, "{{range}} can only go over a list from the data, such as .Orders")
	}
	c.declareRange(n.Pipe, elem)
	c.ranges++
	c.scoped(n.List, elem)
	c.ranges--
	c.scoped(n.ElseList, dot)
}

// enter opens a nested control structure and its scope; it refuses one
// nested too deeply and then checks nothing inside it.
func (c *checker) enter(n parse.Node) bool {
	if c.nesting >= maxNesting {
		c.problem(n, "nested more than %d levels deep", maxNesting)
		return false
	}
	c.nesting++
	c.push()
	return true
}

func (c *checker) leave() {
	c.pop()
	c.nesting--
}

func (c *checker) push() { c.scopes = append(c.scopes, map[string]reflect.Type{}) }
func (c *checker) pop()  { c.scopes = c.scopes[:len(c.scopes)-1] }

// declare records the variables a pipeline declares, {{$x := .Email}}, with
// the pipeline's type. Assigning to a variable ({{$x = 5}}) is refused: it
// could turn a list the checker allowed a range over into a number.
func (c *checker) declare(p *parse.PipeNode, t reflect.Type) {
	if p == nil {
		return
	}
	if p.IsAssign && len(p.Decl) > 0 {
		c.problem(p.Decl[0], "changing a variable ({{%s = ...}}) is not allowed; declare a new one with :=", p.Decl[0].Ident[0])
		return
	}
	for _, v := range p.Decl {
		c.scopes[len(c.scopes)-1][v.Ident[0]] = t
	}
}

// declareRange records {{range $i, $o := .Orders}}: with two variables
// the first is the index; with one, it is the element.
func (c *checker) declareRange(p *parse.PipeNode, elem reflect.Type) {
	if p == nil {
		return
	}
	if p.IsAssign && len(p.Decl) > 0 {
		c.problem(p.Decl[0], "changing a variable ({{range %s = ...}}) is not allowed; declare a new one with :=", p.Decl[0].Ident[0])
		return
	}
	scope := c.scopes[len(c.scopes)-1]
	switch len(p.Decl) {
	case 1:
		scope[p.Decl[0].Ident[0]] = elem
	case 2:
		scope[p.Decl[0].Ident[0]] = intType
		scope[p.Decl[1].Ident[0]] = elem
	}
}

func (c *checker) lookup(name string) (reflect.Type, bool) {
	for i := len(c.scopes) - 1; i >= 0; i-- {
		if t, ok := c.scopes[i][name]; ok {
			return t, true
		}
	}
	return nil, false
}

// pipe checks a pipeline and returns the type of its value, nil when it is
// not known (the value may then be printed but has no fields).
func (c *checker) pipe(p *parse.PipeNode, dot reflect.Type) reflect.Type {
	if p == nil {
		return nil
	}
	var t reflect.Type
	for i, cmd := range p.Cmds {
		t = c.command(cmd, dot, i > 0)
	}
	return t
}

// command checks one command of a pipeline; piped says whether the value
// of the previous command is passed to it as a last argument.
func (c *checker) command(cmd *parse.CommandNode, dot reflect.Type, piped bool) reflect.Type {
	if len(cmd.Args) == 0 {
		return nil
	}
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		return c.call(id, cmd, dot, piped)
	}
	for _, arg := range cmd.Args[1:] {
		c.operand(arg, dot)
	}
	return c.operand(cmd.Args[0], dot)
}

// call checks a function call and returns the type of its result.
func (c *checker) call(id *parse.IdentifierNode, cmd *parse.CommandNode, dot reflect.Type, piped bool) reflect.Type {
	args := make([]reflect.Type, 0, len(cmd.Args)-1)
	for _, arg := range cmd.Args[1:] {
		args = append(args, c.operand(arg, dot))
	}
	if !allowedFuncs[id.Ident] {
		c.problem(id, "the function %q is not allowed here", id.Ident)
		return nil
	}
	switch id.Ident {
	case "printf":
		c.printfFormat(id, cmd, piped)
		return stringType
	case "print", "println":
		return stringType
	case "len":
		return intType
	case "not", "eq", "ne", "lt", "le", "gt", "ge":
		return boolType
	case "index":
		return indexType(args)
	case "slice":
		if len(args) > 0 {
			return args[0]
		}
	}
	return nil // and, or: one of their arguments, whichever it is
}

// indexType is the type of {{index x i...}}: an element of a list, or a
// byte of a string.
func indexType(args []reflect.Type) reflect.Type {
	if len(args) != 2 || args[0] == nil {
		return nil
	}
	switch args[0].Kind() {
	case reflect.Slice, reflect.Array:
		return args[0].Elem()
	case reflect.String:
		return reflect.TypeFor[byte]()
	}
	return nil
}

// printfFormat requires printf's format to be written in the template, so
// it cannot come from the data, and refuses widths and precisions beyond
// maxPrintfWidth or taken from an argument (%*d): fmt pads in memory before
// anything is written, so "%999999d" would allocate a megabyte a call.
func (c *checker) printfFormat(id *parse.IdentifierNode, cmd *parse.CommandNode, piped bool) {
	if len(cmd.Args) < 2 {
		if !piped {
			c.problem(id, "printf needs a format")
		} else {
			c.problem(id, "printf's format must be written in the template, in quotes")
		}
		return
	}
	s, ok := cmd.Args[1].(*parse.StringNode)
	if !ok {
		c.problem(cmd.Args[1], "printf's format must be written in the template, in quotes")
		return
	}
	if msg := checkFormat(s.Text); msg != "" {
		c.problem(s, "%s", msg)
	}
}

// checkFormat returns what is wrong with a printf format, or "".
func checkFormat(f string) string {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		for i++; i < len(f) && f[i] != '%' && !isVerb(f[i]); i++ {
			switch {
			case f[i] == '*':
				return "printf widths must be written in the format, not taken from an argument (%*)"
			case f[i] >= '0' && f[i] <= '9':
				j := i
				for j < len(f) && f[j] >= '0' && f[j] <= '9' {
					j++
				}
				if n, err := strconv.Atoi(f[i:j]); err != nil || n > maxPrintfWidth {
					return fmt.Sprintf("printf width %s is too large (at most %d)", f[i:j], maxPrintfWidth)
				}
				i = j - 1
			}
		}
	}
	return ""
}

func isVerb(b byte) bool { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') }

// operand checks one argument and returns its type.
func (c *checker) operand(n parse.Node, dot reflect.Type) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.FieldNode:
		return c.fields(n, dot, n.Ident, ".")
	case *parse.VariableNode:
		t, ok := c.lookup(n.Ident[0])
		if !ok { // the parser refuses undeclared variables; be safe anyway
			c.problem(n, "unknown variable %s", n.Ident[0])
			return nil
		}
		return c.fields(n, t, n.Ident[1:], n.Ident[0]+".")
	case *parse.ChainNode:
		return c.fields(n, c.operand(n.Node, dot), n.Field, n.Node.String()+".")
	case *parse.PipeNode:
		return c.parenthesised(n, dot)
	case *parse.StringNode:
		return stringType
	case *parse.NumberNode:
		return intType
	case *parse.BoolNode:
		return boolType
	case *parse.IdentifierNode:
		return c.call(n, &parse.CommandNode{Args: []parse.Node{n}}, dot, false)
	}
	return nil
}

func (c *checker) parenthesised(p *parse.PipeNode, dot reflect.Type) reflect.Type {
	if c.parens >= maxParens {
		c.problem(p, "parentheses nested more than %d deep", maxParens)
		return nil
	}
	c.parens++
	defer func() { c.parens-- }()
	return c.pipe(p, dot)
}

// fields follows a chain of field names from type t. Only fields of
// structs are allowed, never methods, so a template cannot call code.
// prefix is how the chain is written before the first name ("." for the
// dot, "$x." for a variable), for messages such as "unknown variable
// .Email.Domain".
func (c *checker) fields(n parse.Node, t reflect.Type, names []string, prefix string) reflect.Type {
	written := prefix
	for i, name := range names {
		if i > 0 {
			written += "."
		}
		written += name
		var f reflect.StructField
		ok := t != nil && t.Kind() == reflect.Struct
		if ok {
			f, ok = t.FieldByName(name)
		}
		if !ok || !f.IsExported() || len(f.Index) != 1 {
			c.problem(n, "unknown variable %s", written)
			return nil
		}
		t = f.Type
	}
	return t
}
