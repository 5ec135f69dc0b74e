//go:build linux

package firewall_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

// TestApplyUnprivilegedHelper runs only as the child of TestApplyErrors:
// neither Apply nor a Watcher's Check can work without CAP_NET_ADMIN.
func TestApplyUnprivilegedHelper(t *testing.T) {
	if os.Getenv("HL7GATE_FIREWALL_HELPER") != "1" {
		t.Skip("helper process for TestApplyErrors")
	}
	err := firewall.Apply(t.Context(), minimal())
	if !errors.Is(err, os.ErrPermission) {
		t.Fatalf("Apply without CAP_NET_ADMIN = %v, want os.ErrPermission", err)
	}
	t.Log(err)
	w, err := firewall.NewWatcher(minimal())
	if err != nil {
		t.Fatal(err)
	}
	if st := w.Check(t.Context()); st.State != firewall.Unknown || !strings.Contains(st.Detail, "CAP_NET_ADMIN") {
		t.Fatalf("Check without CAP_NET_ADMIN = %+v, want unknown, naming CAP_NET_ADMIN", st)
	}
}

// TestWatcher walks a Watcher through every state with real nft in a fresh
// namespace: missing, intact (counters counting change nothing; a
// re-apply of the same rules neither), modified (a rule deleted by handle,
// a rule added, a set element added, the table made dormant), foreign (another configuration's
// rules, a table without the digest) and back through Repair and SetSpec.
func TestWatcher(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "watch")
	s := minimal()
	w, err := firewall.NewWatcher(s)
	if err != nil {
		t.Fatal(err)
	}
	nft := func(args ...string) string {
		t.Helper()
		out, err := n.Command(t.Context(), "nft", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("nft %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	do := func(f func() error) {
		t.Helper()
		if err := n.Do(f); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want firewall.State, detail string) {
		t.Helper()
		var got firewall.Status
		do(func() error { got = w.Check(t.Context()); return nil })
		if got.State != want || !strings.Contains(got.Detail, detail) {
			t.Fatalf("Check() = %+v, want %s with %q in its detail", got, want, detail)
		}
	}
	// handle returns the handle of the first rule of chain that contains match.
	handle := func(chain, match string) string {
		t.Helper()
		for _, line := range strings.Split(nft("-a", "list", "chain", "inet", "hl7gate", chain), "\n") {
			if _, h, ok := strings.Cut(line, "# handle "); ok && strings.Contains(line, match) {
				return strings.TrimSpace(h)
			}
		}
		t.Fatalf("no rule with %q in chain %s", match, chain)
		return ""
	}
	repair := func() {
		t.Helper()
		do(func() error { return w.Repair(t.Context()) })
		check(firewall.Intact, "")
	}

	check(firewall.Missing, "no table inet hl7gate")
	do(func() error { return firewall.Apply(t.Context(), s) })
	check(firewall.Intact, "")

	// Traffic toward the monitor side counts in the rules' counters; the check does not see it.
	n.IP(t, "link", "add", "mon0", "type", "veth", "peer", "name", "mon0p")
	n.IP(t, "link", "set", "mon0", "up")
	n.IP(t, "link", "set", "mon0p", "up")
	n.AddAddr(t, "mon0", netip.MustParsePrefix("198.51.100.1/24"))
	do(func() error {
		c, err := net.Dial("udp", "198.51.100.2:9")
		if err != nil {
			return err
		}
		defer c.Close()
		c.Write([]byte("x")) // dropped by the output rules after their counters: EPERM
		return nil
	})
	if l := nft("list", "chain", "inet", "hl7gate", "to_monitor"); !regexp.MustCompile(`counter packets [1-9]`).MatchString(l) {
		t.Fatalf("no counter counted the datagram:\n%s", l)
	}
	check(firewall.Intact, "")
	do(func() error { return firewall.Apply(t.Context(), s) }) // replaced: new handles, same rules
	check(firewall.Intact, "")

	nft("delete", "rule", "inet", "hl7gate", "to_hospital", "handle", handle("to_hospital", "@stations4"))
	check(firewall.Modified, `was "ip daddr . tcp dport @stations4 counter accept"`)
	repair()
	nft("insert", "rule", "inet", "hl7gate", "from_monitor", "accept")
	check(firewall.Modified, `is "accept"`)
	repair()
	nft("add", "element", "inet", "hl7gate", "stations4", "{ 203.0.113.66 . 22 }")
	check(firewall.Modified, `is "elements = { 203.0.113.10 . 2575,"`) // 203.0.113.66 . 22 follows
	repair()
	nft("add", "table", "inet", "hl7gate", "{ flags dormant; }") // no rule touched, no chain sees a packet
	check(firewall.Modified, "is dormant")
	fresh, err := firewall.NewWatcher(s) // a gateway started since: no baseline to compare with
	if err != nil {
		t.Fatal(err)
	}
	do(func() error {
		if st := fresh.Check(t.Context()); st.State != firewall.Modified {
			return fmt.Errorf("a dormant table first seen: %+v, want modified", st)
		}
		return nil
	})
	repair()

	other := minimal()
	other.Stations = addrPorts("203.0.113.99:2575")
	do(func() error { return firewall.Apply(t.Context(), other) })
	check(firewall.Foreign, "holds other rules (digest sha256:")
	nft("delete", "table", "inet", "hl7gate")
	check(firewall.Missing, "")
	n.Nft(t, "table inet hl7gate {\n\tchain input {\n\t\ttype filter hook input priority 0;\n\t}\n}\n")
	check(firewall.Foreign, "digest none")
	repair()

	// A reload to other's rules: the rules in force are stale until installed.
	if changed, err := w.SetSpec(other); err != nil || !changed {
		t.Fatalf("SetSpec(other) = %t, %v; want changed", changed, err)
	}
	check(firewall.Foreign, "")
	do(func() error { return w.Install(t.Context(), other) })
	check(firewall.Intact, "")
	if changed, err := w.SetSpec(other); err != nil || changed { // the same rules: the baseline stays
		t.Fatalf("SetSpec(other) again = %t, %v; want unchanged", changed, err)
	}
	nft("delete", "rule", "inet", "hl7gate", "to_hospital", "handle", handle("to_hospital", "@stations4"))
	check(firewall.Modified, "")
}

// A hung nft does not hold a check past its context, even when something it
// started keeps its output open: the check says unknown, naming the deadline.
// Nothing needs root: the nft found first in PATH is a script that hangs.
func TestWatcherNftHangs(t *testing.T) {
	dir := t.TempDir()
	child := filepath.Join(dir, "child")
	script := "#!/bin/sh\nsleep 3600 &\necho $! > " + child + "\nwait\n"
	if err := os.WriteFile(filepath.Join(dir, "nft"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Cleanup(func() { // the sleep outlives the killed script
		if b, err := os.ReadFile(child); err == nil {
			exec.Command("kill", strings.TrimSpace(string(b))).Run()
		}
	})
	w, err := firewall.NewWatcher(minimal())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	done := make(chan firewall.Status, 1)
	go func() { done <- w.Check(ctx) }()
	select {
	case st := <-done:
		if st.State != firewall.Unknown || !strings.Contains(st.Detail, "deadline exceeded") {
			t.Errorf("Check with a hung nft = %+v, want unknown naming the deadline", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Check still waits for a hung nft 10 s after its deadline")
	}
}
