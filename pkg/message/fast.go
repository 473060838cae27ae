package message

import (
	"strings"
	"text/template/parse"
)

// A program is a template body compiled for the common subset of text/template: text, {{.x}},
// {{field "x"}}, {{optional "x"}}, {{day A}}, {{longday A}}, {{time A}}, {{or A B…}}, {{.}} inside {{with}}, and
// {{with A}}/{{if A}} with {{else}}, where A is one of those values or a string literal. Executing
// text/template costs most of a render (reflection for every field and function call); running the
// program instead keeps a broadcast in which every body differs above 200,000 messages/s
// (BenchmarkRenderAndCount/personal). A body outside the subset is not compiled; a row the program
// cannot render (a missing field, a bad date) is rendered again by text/template, which reports
// it, so errors always come from one place. TestFastPathMatchesTextTemplate and FuzzFastPath check
// that both give the same text.
type program []instr

type instrKind int

const (
	opText instrKind = iota
	opValue
	opWith
	opIf
)

type instr struct {
	kind instrKind
	text string
	val  *value
	body program
	els  program
}

type valueKind int

const (
	valField    valueKind = iota // .x, field "x": required
	valOptional                  // optional "x"
	valDot                       // . inside with
	valLiteral                   // "text"
	valDay                       // day A
	valLongDay                   // longday A
	valTime                      // time A
	valOr                        // or A B…
)

type value struct {
	kind valueKind
	name string // field name or literal text
	args []*value
}

// compile returns the program for a parsed body, or nil when it uses anything outside the subset.
func compile(root *parse.ListNode) program {
	p, ok := compileList(root, false)
	if !ok {
		return nil
	}
	return p
}

func compileList(l *parse.ListNode, inWith bool) (program, bool) {
	if l == nil {
		return nil, true
	}
	var p program
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			p = append(p, instr{kind: opText, text: string(n.Text)})
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 {
				return nil, false
			}
			v, ok := compilePipe(n.Pipe, inWith)
			if !ok {
				return nil, false
			}
			p = append(p, instr{kind: opValue, val: v})
		case *parse.WithNode:
			in, ok := compileBranch(opWith, &n.BranchNode, inWith)
			if !ok {
				return nil, false
			}
			p = append(p, in)
		case *parse.IfNode:
			in, ok := compileBranch(opIf, &n.BranchNode, inWith)
			if !ok {
				return nil, false
			}
			p = append(p, in)
		case *parse.CommentNode:
		default:
			return nil, false
		}
	}
	return p, true
}

func compileBranch(kind instrKind, b *parse.BranchNode, inWith bool) (instr, bool) {
	if len(b.Pipe.Decl) > 0 {
		return instr{}, false
	}
	v, ok := compilePipe(b.Pipe, inWith)
	if !ok {
		return instr{}, false
	}
	body, ok := compileList(b.List, inWith || kind == opWith)
	if !ok {
		return instr{}, false
	}
	els, ok := compileList(b.ElseList, inWith)
	if !ok {
		return instr{}, false
	}
	return instr{kind: kind, val: v, body: body, els: els}, true
}

func compilePipe(p *parse.PipeNode, inWith bool) (*value, bool) {
	if p == nil || len(p.Cmds) != 1 {
		return nil, false
	}
	return compileCmd(p.Cmds[0].Args, inWith)
}

// compileCmd compiles one command: a value, or a call of field, optional, day, longday or or.
func compileCmd(args []parse.Node, inWith bool) (*value, bool) {
	if len(args) == 0 {
		return nil, false
	}
	id, ok := args[0].(*parse.IdentifierNode)
	if !ok {
		if len(args) != 1 {
			return nil, false
		}
		return compileArg(args[0], inWith)
	}
	switch id.Ident {
	case "field", "optional":
		if len(args) != 2 {
			return nil, false
		}
		s, ok := args[1].(*parse.StringNode)
		if !ok {
			return nil, false
		}
		kind := valField
		if id.Ident == "optional" {
			kind = valOptional
		}
		return &value{kind: kind, name: s.Text}, true
	case "day", "longday", "time":
		if len(args) != 2 {
			return nil, false
		}
		a, ok := compileArg(args[1], inWith)
		if !ok {
			return nil, false
		}
		kind := map[string]valueKind{"day": valDay, "longday": valLongDay, "time": valTime}[id.Ident]
		return &value{kind: kind, args: []*value{a}}, true
	case "or":
		if len(args) < 2 {
			return nil, false
		}
		v := &value{kind: valOr}
		for _, a := range args[1:] {
			c, ok := compileArg(a, inWith)
			if !ok {
				return nil, false
			}
			v.args = append(v.args, c)
		}
		return v, true
	}
	return nil, false
}

func compileArg(n parse.Node, inWith bool) (*value, bool) {
	switch n := n.(type) {
	case *parse.FieldNode:
		if inWith || len(n.Ident) != 1 {
			return nil, false
		}
		return &value{kind: valField, name: n.Ident[0]}, true
	case *parse.DotNode:
		if !inWith {
			return nil, false
		}
		return &value{kind: valDot}, true
	case *parse.StringNode:
		return &value{kind: valLiteral, name: n.Text}, true
	case *parse.PipeNode:
		if len(n.Decl) > 0 {
			return nil, false
		}
		return compilePipe(n, inWith)
	}
	return nil, false
}

// run writes the program's text for r.data; false when it cannot (the slow path then reports why).
func (r *renderer) run(p program, b *strings.Builder, dot string) bool {
	for i := range p {
		in := &p[i]
		switch in.kind {
		case opText:
			b.WriteString(in.text)
		case opValue:
			v, ok := r.eval(in.val, dot)
			if !ok {
				return false
			}
			b.WriteString(v)
		case opWith, opIf:
			v, ok := r.eval(in.val, dot)
			if !ok {
				return false
			}
			next := dot
			if in.kind == opWith {
				next = v
			}
			if v != "" {
				if !r.run(in.body, b, next) {
					return false
				}
			} else if !r.run(in.els, b, dot) {
				return false
			}
		}
	}
	return true
}

func (r *renderer) eval(v *value, dot string) (string, bool) {
	switch v.kind {
	case valField:
		s, ok := r.data[v.name]
		return s, ok
	case valOptional:
		return r.data[v.name], true
	case valDot:
		return dot, true
	case valLiteral:
		return v.name, true
	case valDay, valLongDay:
		a, ok := r.eval(v.args[0], dot)
		if !ok {
			return "", false
		}
		format, kind := FormatDay, "d"
		if v.kind == valLongDay {
			format, kind = FormatLongDay, "l"
		}
		s, err := r.date(a, format, kind)
		return s, err == nil
	case valTime:
		a, ok := r.eval(v.args[0], dot)
		if !ok {
			return "", false
		}
		s, err := r.clock(a)
		return s, err == nil
	case valOr:
		var s string
		for _, a := range v.args {
			var ok bool
			if s, ok = r.eval(a, dot); !ok {
				return "", false
			}
			if s != "" {
				return s, true
			}
		}
		return s, true
	}
	return "", false
}
