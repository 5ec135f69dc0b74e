package vitals

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// TestRuleInfoWhole: ruleInfo's whole, which Config.Validate refuses a
// severity_for by, is what the code does: a rule is whole when every
// em.add of it (the only place a Finding is made) passes pNone as the
// parameter, and every rule has at least one em.add. Read from the
// package's source, so that a rule given a per-parameter finding, or one
// losing its last, fails here rather than in an operator's configuration.
func TestRuleInfoWhole(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]ruleID{} // rRange → 0, ...: the ruleID constants, in order from iota
	var calls []*ast.CallExpr  // em.add(dst, rule, parameter, ...)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GenDecl:
				if n.Tok != token.CONST || len(n.Specs) == 0 {
					return true
				}
				if vs := n.Specs[0].(*ast.ValueSpec); vs.Type == nil || identName(vs.Type) != "ruleID" {
					return true
				}
				for i, s := range n.Specs {
					ids[s.(*ast.ValueSpec).Names[0].Name] = ruleID(i)
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "add" && identName(sel.X) == "em" && len(n.Args) >= 3 {
					calls = append(calls, n)
				}
			}
			return true
		})
	}
	if len(ids) != int(numRules)+1 { // numRules ends the block
		t.Fatalf("%d ruleID constants read, want %d", len(ids), numRules+1)
	}
	var whole, some [numRules]int // em.add calls passing pNone, and the others
	for _, c := range calls {
		r, ok := ids[identName(c.Args[1])]
		if !ok {
			t.Fatalf("%s: em.add of rule %s, no ruleID constant", fset.Position(c.Pos()), identName(c.Args[1]))
		}
		if identName(c.Args[2]) == "pNone" {
			whole[r]++
		} else {
			some[r]++
		}
	}
	for r := range numRules {
		if whole[r]+some[r] == 0 {
			t.Errorf("%s: no em.add", ruleInfo[r].name)
		}
		if got := some[r] == 0; got != ruleInfo[r].whole {
			t.Errorf("%s: ruleInfo whole %v, but %d em.add pass pNone and %d a parameter", ruleInfo[r].name, ruleInfo[r].whole, whole[r], some[r])
		}
	}
}

// identName returns the name of x when it is an identifier, else "".
func identName(x ast.Expr) string {
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
