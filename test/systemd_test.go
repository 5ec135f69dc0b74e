package test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/test/testkit"
)

// unitBinary is where the units in configs/systemd expect hl7gate (docs/deployment.md, "Installing as a
// service").
const unitBinary = "/usr/local/bin/hl7gate"

// TestSystemdUnits checks configs/systemd with systemd's own verifier, the units pointed at a hl7gate built
// from this tree: an unknown or misspelt key, a value systemd cannot parse or a missing binary fails it
// (systemd-analyze prints them and carries on, so any output fails); a misspelt unit name in After= or
// WantedBy=, or capability name, does not (systemd takes those as they are). Each hl7gate command line the
// units run must name a command and flags the binary has, and the lines containment rests on must be
// there (containment). It does not boot the units: ordering at boot and the sandbox options are checked
// only as far as `verify` checks them.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testkit.Unavailable(t, "systemd-analyze (Debian package systemd) is missing: bash .ci/deps installs it")
	}
	units, err := filepath.Glob(filepath.Join("..", "configs", "systemd", "*.service"))
	if err != nil || len(units) != 2 {
		t.Fatalf("configs/systemd: want the two units, found %v (%v)", units, err)
	}
	bin := buildCmd(t, "hl7gate")
	dir := t.TempDir()
	var paths []string
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		settings := unitSettings(b)
		containment(t, filepath.Base(u), settings)
		for _, args := range hl7gateCommands(settings) {
			checkCommandLine(t, bin, filepath.Base(u), args)
		}
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte(unitBinary), []byte(bin)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// The drop-in for Debian's nftables.service empties its ExecStop (nft flush ruleset).
	dropIn, err := os.ReadFile(filepath.Join("..", "configs", "systemd", "nftables.service.d", "hl7gate.conf"))
	if err != nil || !bytes.Contains(dropIn, []byte("\n[Service]\nExecStop=\n")) {
		t.Errorf("configs/systemd/nftables.service.d/hl7gate.conf: want [Service] with an empty ExecStop= (%v)", err)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// unitSettings returns a unit file's settings: for each key, the words of each of its lines.
func unitSettings(unit []byte) map[string][][]string {
	settings := map[string][][]string{}
	sc := bufio.NewScanner(bytes.NewReader(unit))
	for sc.Scan() {
		if key, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(key, "#") {
			settings[key] = append(settings[key], strings.Fields(val))
		}
	}
	return settings
}

// hl7gateCommands returns the arguments of every Exec line of a unit that runs hl7gate.
func hl7gateCommands(settings map[string][][]string) [][]string {
	var cmds [][]string
	for key, lines := range settings {
		if !strings.HasPrefix(key, "Exec") {
			continue
		}
		for _, f := range lines {
			if len(f) > 0 && strings.TrimLeft(f[0], "+-!@:") == unitBinary {
				cmds = append(cmds, f[1:])
			}
		}
	}
	return cmds
}

// checkCommandLine fails t unless args (a unit's hl7gate command line without the binary) start with a
// command hl7gate knows (each word in the first line of its --help, e.g. "usage: hl7gate firewall
// render|apply|remove ..."), followed by flags that command's --help lists.
func checkCommandLine(t *testing.T, bin, unit string, args []string) {
	t.Helper()
	var words, flags []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "--"):
			name, _, _ := strings.Cut(a, "=")
			flags = append(flags, name)
		case len(flags) == 0:
			words = append(words, a)
		}
	}
	if len(words) == 0 {
		t.Errorf("%s: hl7gate runs with no command: %q", unit, args)
		return
	}
	out, err := exec.Command(bin, append(words, "--help")...).CombinedOutput()
	usage, _, _ := bytes.Cut(out, []byte("\n"))
	known := strings.FieldsFunc(string(usage), func(r rune) bool { return r == ' ' || r == '|' })
	if err != nil || len(known) < 2 || known[0] != "usage:" || known[1] != "hl7gate" {
		t.Errorf("%s: hl7gate %s --help: %v\n%s", unit, strings.Join(words, " "), err, out)
		return
	}
	for _, w := range words {
		if !slices.Contains(known[2:], w) {
			t.Errorf("%s: hl7gate has no command %q (%s)", unit, strings.Join(words, " "), usage)
		}
	}
	for _, f := range flags {
		if !bytes.Contains(out, []byte("  "+f+" ")) {
			t.Errorf("%s: hl7gate %s has no flag %s:\n%s", unit, strings.Join(words, " "), f, out)
		}
	}
}

// containment fails t when a unit lacks a line that keeps the monitor segment contained
// (docs/deployment.md, "Installing as a service"): the rules are applied before the network, keepalived and
// the gateway, again on reload, never removed on stop, and the gateway never starts without them.
func containment(t *testing.T, unit string, settings map[string][][]string) {
	t.Helper()
	words := func(key string) []string { return slices.Concat(settings[key]...) }
	want := func(key string, vals ...string) {
		for _, v := range vals {
			if !slices.Contains(words(key), v) {
				t.Errorf("%s: %s= lacks %s", unit, key, v)
			}
		}
	}
	apply := []string{unitBinary, "firewall", "apply", "--config", "/etc/hl7gate/hl7gate.yaml"}
	switch unit {
	case "hl7gate-firewall.service":
		for _, key := range []string{"ExecStart", "ExecReload"} {
			if !slices.Equal(words(key), apply) {
				t.Errorf("%s: %s=%s, want %s", unit, key, strings.Join(words(key), " "), strings.Join(apply, " "))
			}
		}
		for key := range settings {
			if strings.HasPrefix(key, "ExecStop") {
				t.Errorf("%s: %s: the rules must stay when the unit stops", unit, key)
			}
		}
		want("Before", "network-pre.target", "keepalived.service", "hl7gate.service")
		want("RemainAfterExit", "yes")
		want("ReloadPropagatedFrom", "nftables.service")
	case "hl7gate.service":
		want("Requires", "hl7gate-firewall.service")
		want("After", "hl7gate-firewall.service")
	}
	for _, key := range []string{"CapabilityBoundingSet", "AmbientCapabilities"} {
		for _, c := range words(key) {
			if c != "CAP_NET_ADMIN" && c != "CAP_NET_BIND_SERVICE" {
				t.Errorf("%s: %s=%s: only CAP_NET_ADMIN (and CAP_NET_BIND_SERVICE for a port below 1024)", unit, key, c)
			}
		}
	}
}
