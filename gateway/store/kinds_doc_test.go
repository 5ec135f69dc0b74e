package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeListsEveryKind keeps the README's `/api/events?kind=` list equal to the event kinds declared
// here: an operator filtering the API by a kind the README omits (as `throttle` and `session` were) has
// no way to learn it exists.
func TestReadmeListsEveryKind(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "store.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ast.Inspect(f, func(n ast.Node) bool {
		if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && strings.HasPrefix(v.Names[0].Name, "Kind") && len(v.Values) == 1 {
			if lit, ok := v.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				kinds = append(kinds, s)
			}
		}
		return true
	})
	if len(kinds) < 10 {
		t.Fatalf("found %d event kinds in store.go, want the const block's 10 or more: %v", len(kinds), kinds)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("/api/events\\?kind=([a-z|]+)`").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no `/api/events?kind=a|b|…` list")
	}
	listed := strings.Split(string(m[1]), "|")
	slices.Sort(kinds)
	slices.Sort(listed)
	if !slices.Equal(kinds, listed) {
		t.Errorf("README's /api/events?kind= list is %v, the declared kinds are %v", listed, kinds)
	}
}
