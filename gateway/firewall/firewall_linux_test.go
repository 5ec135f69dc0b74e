//go:build linux

package firewall_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/test/netns"
)

// TestGoldenFilesPassNftCheck has nft parse and check every golden file
// against the kernel (nft -c) inside a fresh namespace.
func TestGoldenFilesPassNftCheck(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "nftc")
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil || len(files) < 4 {
		t.Fatalf("golden files = %v, %v; want at least 4", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := n.Command(t.Context(), "nft", "-c", "-f", abs).CombinedOutput(); err != nil {
				t.Errorf("nft -c -f %s: %v\n%s", f, err, out)
			}
		})
	}
}

// TestApplyReplaceRemove installs the ruleset in a fresh namespace, replaces
// it, removes it twice, and checks nft's view after each step.
func TestApplyReplaceRemove(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "apply")
	list := func() string {
		t.Helper()
		out, err := n.Command(t.Context(), "nft", "list", "ruleset").CombinedOutput()
		if err != nil {
			t.Fatalf("nft list ruleset: %v: %s", err, out)
		}
		return string(out)
	}
	// A table of someone else's must survive everything.
	n.Nft(t, "table ip other {\n\tchain c {\n\t\ttype filter hook input priority 0;\n\t}\n}\n")
	s := minimal()
	do := func(f func() error) {
		t.Helper()
		if err := n.Do(f); err != nil {
			t.Fatal(err)
		}
	}
	do(func() error { return firewall.Apply(t.Context(), s) })
	if got := list(); !strings.Contains(got, "table inet hl7gate") || !strings.Contains(got, "203.0.113.10 . 2575") {
		t.Fatalf("after Apply, ruleset lacks the table or station:\n%s", got)
	}
	s.Stations = addrPorts("203.0.113.99:2575")
	do(func() error { return firewall.Apply(t.Context(), s) })
	got := list()
	if strings.Contains(got, "203.0.113.10 . 2575") || !strings.Contains(got, "203.0.113.99 . 2575") {
		t.Fatalf("after second Apply, ruleset was not replaced:\n%s", got)
	}
	if strings.Count(got, "table inet hl7gate") != 1 {
		t.Fatalf("after second Apply, table appears more than once:\n%s", got)
	}
	do(func() error { return firewall.Remove(t.Context(), "") })
	do(func() error { return firewall.Remove(t.Context(), "") })
	if got := list(); strings.Contains(got, "hl7gate") || !strings.Contains(got, "table ip other") {
		t.Fatalf("after Remove, ruleset is:\n%s", got)
	}
}

func TestApplyErrors(t *testing.T) {
	if err := firewall.Apply(t.Context(), firewall.Spec{}); err == nil || !strings.Contains(err.Error(), "monitor_nets") {
		t.Errorf("Apply(invalid) = %v, want a validation error", err)
	}
	if err := firewall.Remove(t.Context(), "x;y"); err == nil {
		t.Error("Remove accepted a bad table name")
	}
	t.Run("not permitted", func(t *testing.T) {
		netns.Require(t)
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("setpriv (util-linux) not installed")
		}
		// Re-run this test binary inside a fresh namespace with every
		// capability dropped, as an unprivileged operator would run it.
		n := netns.New(t, "noperm")
		cmd := n.Command(t.Context(), "setpriv", "--bounding-set=-all", "--inh-caps=-all", "--",
			os.Args[0], "-test.run=^TestApplyUnprivilegedHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "HL7GATE_FIREWALL_HELPER=1")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "PASS") {
			t.Errorf("unprivileged Apply: %v\n%s", err, out)
		}
	})
}

// TestApplyUnprivilegedHelper runs only as the child of TestApplyErrors.
func TestApplyUnprivilegedHelper(t *testing.T) {
	if os.Getenv("HL7GATE_FIREWALL_HELPER") != "1" {
		t.Skip("helper process for TestApplyErrors")
	}
	err := firewall.Apply(t.Context(), minimal())
	if !errors.Is(err, os.ErrPermission) {
		t.Fatalf("Apply without CAP_NET_ADMIN = %v, want os.ErrPermission", err)
	}
	t.Log(err)
}
