// Package layering holds the test that keeps the module's imports pointing down (see
// ../shared/ARCHITECTURE.md, "Packages"):
//
//	cmd/...                       wiring
//	gateway                       the relay
//	gateway/<job>, internal/...   one package per other job; what the binaries share
//	policy, policy/...            the allowlist and the checks
//	hl7, hl7/..., configs         the codec; the embedded example configs
//
// A package may import packages of a lower layer, and packages of its own group (gateway/<job> from
// gateway/<job>, internal from internal, policy from policy, hl7 from hl7). The relay reaches the checks
// only through the policy chain: gateway does not import policy/vitals. No package outside test/
// imports test/ in its non-test files. A new package must be given its place here.
package layering

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/hl7gate/hl7gate"

// place is a package's layer (higher imports lower) and group (imports within a group are allowed).
type place struct {
	layer int
	group string
}

// placeOf classifies a package path relative to the module; ok is false for a package with no place.
func placeOf(rel string) (place, bool) {
	under := func(root string) bool { return rel == root || strings.HasPrefix(rel, root+"/") }
	switch {
	case under("test"):
		return place{layer: 5, group: "test"}, true
	case under("cmd"):
		return place{layer: 4, group: "cmd"}, true
	case rel == "gateway":
		return place{layer: 3, group: "gateway"}, true
	case under("gateway"):
		return place{layer: 2, group: "gateway/<job>"}, true
	case under("internal"):
		return place{layer: 2, group: "internal"}, true
	case under("policy"):
		return place{layer: 1, group: "policy"}, true
	case under("hl7"):
		return place{layer: 0, group: "hl7"}, true
	case rel == "configs":
		return place{layer: 0, group: "configs"}, true
	}
	return place{}, false
}

// forbidden are imports the layers alone would allow but the architecture does not.
var forbidden = map[[2]string]string{
	{"gateway", "policy/vitals"}: "the relay reaches the vital-sign checks only through the policy chain",
}

// pkg is what go list -json says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // non-test imports
}

// check returns one problem per import that breaks the layering.
func check(pkgs []pkg) []string {
	var problems []string
	for _, p := range pkgs {
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			continue
		}
		from, ok := placeOf(rel)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no place in the layering: add it to placeOf", rel))
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			to, ok := placeOf(dep)
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s imports %s, which has no place in the layering", rel, dep))
			case to.group == "test" && from.group != "test":
				problems = append(problems, fmt.Sprintf("%s imports %s: nothing but tests may import test/", rel, dep))
			case forbidden[[2]string{rel, dep}] != "":
				problems = append(problems, fmt.Sprintf("%s imports %s: %s", rel, dep, forbidden[[2]string{rel, dep}]))
			case to.layer > from.layer || (to.layer == from.layer && to.group != from.group):
				problems = append(problems, fmt.Sprintf("%s (%s) imports %s (%s): imports point down", rel, from.group, dep, to.group))
			}
		}
	}
	return problems
}

// listModule runs go list -json over every package of the module.
func listModule(t *testing.T) []pkg {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts GOROOT/bin first on PATH
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(goBin, "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportsPointDown(t *testing.T) {
	pkgs := listModule(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; the module has more", len(pkgs))
	}
	for _, p := range check(pkgs) {
		t.Error(p)
	}
}

// The rules themselves: each kind of bad import is caught, the good ones pass.
func TestCheck(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	for _, tc := range []struct {
		name string
		from string
		imp  string
		bad  bool
	}{
		{"cmd to gateway", "cmd/hl7gate", "gateway", false},
		{"gateway to its jobs", "gateway", "gateway/egress", false},
		{"job to job", "gateway/egress", "gateway/config", false},
		{"job to policy", "gateway/config", "policy/vitals", false},
		{"policy to hl7", "policy", "hl7", false},
		{"internal to internal", "internal/loadgen", "internal/sim", false},
		{"test to anything", "test", "internal/loadgen", false},
		{"job up to the relay", "gateway/admin", "gateway", true},
		{"policy up to a job", "policy/vitals", "gateway/store", true},
		{"hl7 up to policy", "hl7/mllp", "policy", true},
		{"job to internal", "gateway/store", "internal/sim", true},
		{"relay past the chain", "gateway", "policy/vitals", true},
		{"production to test", "cmd/hl7gate", "test/netns", true},
		{"unknown package", "tools", "hl7", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check([]pkg{{ImportPath: m(tc.from), Imports: []string{m(tc.imp), "fmt"}}})
			if bad := len(got) > 0; bad != tc.bad {
				t.Errorf("check(%s -> %s) = %q, want bad=%v", tc.from, tc.imp, got, tc.bad)
			}
		})
	}
}
