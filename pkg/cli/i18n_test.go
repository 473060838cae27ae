package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/smscast/smscast/pkg/i18n"
)

// untranslated are the files of pkg/cli whose sentences are not in the catalog yet: they are
// being written by others. TestCatalogIsComplete skips them and says how many sentences each has.
var untranslated = map[string]bool{
	"quote.go": true, "paths.go": true, "pipe.go": true,
}

// printerFuncs are the calls whose argument at the index is a catalog key when it is a literal.
var printerFuncs = map[string][]int{
	// i18n.Printer methods
	"Sprintf": {0}, "Fprintf": {1}, "Fprintln": {1}, "Text": {0},
	// exit errors and sentences
	"usageErr": {0, 1}, "failErr": {1}, "asUsage": {1}, "hintf": {1}, "errorf": {0},
	"helpTopic": {1},
}

// flagFuncs define a flag; their last argument is its usage.
var flagFuncs = map[string]bool{
	"String": true, "StringVar": true, "StringVarP": true, "StringP": true, "Bool": true, "BoolVar": true,
	"BoolVarP": true, "BoolP": true, "Int": true, "IntVar": true, "IntVarP": true, "Float64": true,
	"Float64Var": true, "Duration": true, "DurationVar": true, "StringArray": true, "StringArrayVar": true,
	"StringSlice": true, "StringSliceVar": true,
}

// returnFuncs return sentences (their string literals are keys).
var returnFuncs = map[string]bool{"classWords": true, "dataLocation": true}

// sourceKeys collects the catalog keys of the Go files of dir (tests excluded): string literals
// passed to the printer and to the error helpers, cobra's Short/Long/Example, flag usages, keyHelp.
// skipped counts the literals of the files in skip.
func sourceKeys(t *testing.T, dir string, skip map[string]bool) (keys map[string]string, skipped map[string]int) {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	keys, skipped = map[string]string{}, map[string]int{}
	consts := map[string]string{}
	var parsed []*ast.File
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
		for _, d := range af.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				for _, s := range gd.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if v, ok := literal(vs.Values[i], nil); ok {
								consts[n.Name] = v
							}
						}
					}
				}
			}
		}
	}
	for _, af := range parsed {
		name := filepath.Base(fset.File(af.Pos()).Name())
		add := func(e ast.Expr) {
			v, ok := literal(e, consts)
			if !ok || strings.TrimSpace(v) == "" {
				return
			}
			if skip[name] {
				skipped[name]++
				return
			}
			// errorf prints a %w as %v (see msgError): the catalog's key has %v.
			keys[strings.ReplaceAll(v, "%w", "%v")] = fset.Position(e.Pos()).String()
		}
		ast.Inspect(af, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				fn := ""
				switch f := x.Fun.(type) {
				case *ast.Ident:
					fn = f.Name
				case *ast.SelectorExpr:
					if id, ok := f.X.(*ast.Ident); ok && (id.Name == "fmt" || id.Name == "strings" || id.Name == "errors") {
						return true
					}
					fn = f.Sel.Name
					if flagFuncs[fn] && len(x.Args) >= 3 {
						add(x.Args[len(x.Args)-1])
						return true
					}
				}
				for _, i := range printerFuncs[fn] {
					if i < len(x.Args) {
						add(x.Args[i])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && (k.Name == "Short" || k.Name == "Long" || k.Name == "Example" || k.Name == "hint") {
					add(x.Value)
				}
			case *ast.FuncDecl:
				if returnFuncs[x.Name.Name] {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok {
							for _, e := range r.Results {
								add(e)
							}
						}
						return true
					})
				}
			}
			return true
		})
	}
	return keys, skipped
}

// literal evaluates a string literal, a constant or a sum of them.
func literal(e ast.Expr, consts map[string]string) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		v, err := strconv.Unquote(x.Value)
		return v, err == nil
	case *ast.Ident:
		v, ok := consts[x.Name]
		return v, ok
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(x.X, consts)
		b, ok2 := literal(x.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(x.X, consts)
	}
	return "", false
}

// otherKeys are sentences the scan cannot see as literals: values computed at run time.
func otherKeys() []string {
	keys := []string{", ", "comma", "tab",
		// fileLocations (paths.go)
		"config file", "your templates", "journal", "reports and call lists", "the current directory",
		"--config or SMSCAST_CONFIG", "templates_dir: or SMSCAST_TEMPLATES_DIR", "journal:, SMSCAST_JOURNAL or --journal",
		"report_dir:, SMSCAST_REPORT_DIR or --report-dir",
		// cobra's own help
		"Help about any command", "Generate the autocompletion script for the specified shell"}
	for _, s := range stateOrder {
		keys = append(keys, string(s))
	}
	for _, v := range allKeyHelp() {
		keys = append(keys, v)
	}
	for _, p := range providers() {
		for _, v := range p.Env {
			keys = append(keys, v.Help)
		}
	}
	for _, tp := range textPatterns {
		keys = append(keys, tp.key)
	}
	return keys
}

// TestCatalogIsComplete fails when a sentence of pkg/cli has no Japanese translation. The keys
// are found in the source: the string literals given to the printer (p.Sprintf, Fprintf,
// Fprintln, Text), to the error helpers (usageErr, failErr, asUsage, hintf, errorf, an exitError's
// hint), cobra's Short/Long/Example, flag usages, and the values listed by otherKeys. That
// placeholders agree between the languages is pkg/i18n's TestPlaceholdersAgree.
func TestCatalogIsComplete(t *testing.T) {
	keys, skipped := sourceKeys(t, ".", untranslated)
	for _, k := range otherKeys() {
		keys[k] = "(run time)"
	}
	requireJapanese(t, keys, "")
	for f, n := range skipped {
		t.Logf("%s: %d sentences not translated yet (untranslated)", f, n)
	}
}

// deepKeys are the sentences other packages put in the errors and reasons a person reads through
// smscast: the Msg and Hint of pkg/roster's and pkg/message's errors, the list's row reasons and
// warnings, the hints of pkg/campaign's input errors. Sentences built from values (a header, a
// path) are translated through textPatterns or stay English inside a Japanese frame.
func deepKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{}
	for _, dir := range []string{"../roster", "../message", "../campaign", "../filter"} {
		fset := token.NewFileSet()
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			add := func(e ast.Expr) {
				if v, ok := literal(e, nil); ok && strings.TrimSpace(v) != "" && !strings.Contains(v, "%") {
					keys[v] = fset.Position(e.Pos()).String()
				}
			}
			for _, decl := range af.Decls {
				// The reasons a row gets from functions that word them (parseReason, invalidReason).
				if fd, ok := decl.(*ast.FuncDecl); ok && strings.HasSuffix(fd.Name.Name, "Reason") && fd.Body != nil {
					ast.Inspect(fd.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
							add(r.Results[0])
						}
						return true
					})
				}
			}
			ast.Inspect(af, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.KeyValueExpr:
					if k, ok := x.Key.(*ast.Ident); ok && (k.Name == "Msg" || k.Name == "Hint" || k.Name == "reason") {
						add(x.Value)
					}
				case *ast.ValueSpec:
					for i, name := range x.Names {
						if i < len(x.Values) && (strings.HasPrefix(name.Name, "reason") || strings.HasPrefix(name.Name, "msg") || strings.HasPrefix(name.Name, "hint")) {
							add(x.Values[i])
						}
					}
				case *ast.AssignStmt:
					for i, l := range x.Lhs {
						if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "reason" && i < len(x.Rhs) {
							add(x.Rhs[i])
						}
						if id, ok := l.(*ast.Ident); ok && id.Name == "hint" && i < len(x.Rhs) {
							add(x.Rhs[i])
						}
					}
					if len(x.Lhs) == 2 && len(x.Rhs) == 2 {
						if sel, ok := x.Lhs[1].(*ast.SelectorExpr); ok && sel.Sel.Name == "reason" {
							add(x.Rhs[1])
						}
					}
				case *ast.CallExpr:
					id, ok := x.Fun.(*ast.Ident)
					switch {
					case ok && id.Name == "bad" && len(x.Args) > 1:
						add(x.Args[0])
						// The sentence itself: InputError keeps its format for the front end.
						if v, ok := literal(x.Args[1], nil); ok {
							keys[v] = fset.Position(x.Args[1].Pos()).String()
						}
					case ok && id.Name == "fail" && len(x.Args) >= 1 && strings.HasSuffix(fset.Position(x.Pos()).Filename, "filter.go"):
						// --where's sentences (filter.ExprError keeps the format).
						if v, ok := literal(x.Args[0], nil); ok && v != "%v" {
							keys[v] = fset.Position(x.Args[0].Pos()).String()
						}
					case ok && id.Name == "inputErr" && len(x.Args) == 2:
						add(x.Args[1])
					case ok && id.Name == "append" && len(x.Args) == 2:
						if sel, ok := x.Args[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "Warnings" {
							add(x.Args[1])
						}
					}
				}
				return true
			})
		}
	}
	return keys
}

// TestErrorsOfOtherPackagesAreTranslated fails when a sentence of roster, message or campaign
// that smscast shows has no Japanese.
func TestErrorsOfOtherPackagesAreTranslated(t *testing.T) {
	requireJapanese(t, deepKeys(t), " of other packages")
}

// requireJapanese fails for every key (sentence → where it is written) the catalog has no
// Japanese for. SMSCAST_I18N_STUB=/tmp/stub.go go test -run TestCatalogIsComplete (or this test)
// writes the missing entries in the catalog's form, English for Japanese, to be translated.
func requireJapanese(t *testing.T, keys map[string]string, of string) {
	t.Helper()
	var missing, stub []string
	for k, pos := range keys {
		if !i18n.Has(k) {
			missing = append(missing, pos+": "+strconv.Quote(k))
			stub = append(stub, "\t"+strconv.Quote(k)+": "+strconv.Quote(k)+",\n")
		}
	}
	sort.Strings(missing)
	sort.Strings(stub)
	if out := os.Getenv("SMSCAST_I18N_STUB"); out != "" && len(stub) > 0 {
		if err := os.WriteFile(out, []byte(strings.Join(stub, "")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d sentences%s have no Japanese in pkg/i18n:\n%s", len(missing), of, strings.Join(missing, "\n"))
	}
}
