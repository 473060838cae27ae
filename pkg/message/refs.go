package message

import (
	"text/template"
	"text/template/parse"
)

// refs is what a template body reads from its data: the fields it names, and whether it also uses
// the data as a whole (then every field must be provided).
type refs struct {
	keys    []ref
	dynamic bool // {{.}} at the top level, {{template}}, {{field .x}}…: the whole data is needed
}

type ref struct {
	name string
	pos  string // "name:line:col", for errors
}

func (r *refs) has(name string) bool {
	for _, k := range r.keys {
		if k.name == name {
			return true
		}
	}
	return false
}

func (r *refs) add(name, pos string) {
	if !r.has(name) {
		r.keys = append(r.keys, ref{name: name, pos: pos})
	}
}

// collectRefs walks the parse tree. Dot is the data only outside {{with}} and {{range}} bodies;
// $ is the data everywhere.
func collectRefs(t *template.Template) refs {
	var r refs
	w := walker{r: &r, tree: t.Tree}
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Root == nil {
			continue
		}
		if tt.Name() != t.Name() {
			r.dynamic = true // {{define}}: reached through {{template}}, with any data
		}
		w.tree = tt.Tree
		w.node(tt.Root, true)
	}
	return r
}

type walker struct {
	r    *refs
	tree *parse.Tree
}

func (w walker) node(n parse.Node, root bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c, root)
		}
	case *parse.ActionNode:
		w.pipe(n.Pipe, root)
	case *parse.IfNode:
		w.pipe(n.Pipe, root)
		w.node(n.List, root)
		w.node(n.ElseList, root)
	case *parse.WithNode:
		w.pipe(n.Pipe, root)
		w.node(n.List, false)
		w.node(n.ElseList, root)
	case *parse.RangeNode:
		w.pipe(n.Pipe, root)
		w.node(n.List, false)
		w.node(n.ElseList, root)
	case *parse.TemplateNode:
		w.r.dynamic = true
		w.pipe(n.Pipe, root)
	case *parse.PipeNode:
		w.pipe(n, root)
	case *parse.FieldNode:
		if root {
			w.r.add(n.Ident[0], w.pos(n))
		}
	case *parse.VariableNode:
		if n.Ident[0] == "$" {
			if len(n.Ident) > 1 {
				w.r.add(n.Ident[1], w.pos(n))
			} else {
				w.r.dynamic = true
			}
		}
	case *parse.DotNode:
		if root {
			w.r.dynamic = true
		}
	case *parse.ChainNode:
		w.node(n.Node, root)
	}
}

func (w walker) pipe(p *parse.PipeNode, root bool) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		if len(c.Args) > 0 {
			if id, ok := c.Args[0].(*parse.IdentifierNode); ok && (id.Ident == "field" || id.Ident == "optional") {
				if len(c.Args) == 2 {
					if s, ok := c.Args[1].(*parse.StringNode); ok {
						w.r.add(s.Text, w.pos(s))
						continue
					}
				}
				w.r.dynamic = true
			}
		}
		for _, a := range c.Args {
			w.node(a, root)
		}
	}
}

func (w walker) pos(n parse.Node) string {
	loc, _ := w.tree.ErrorContext(n)
	return loc
}
