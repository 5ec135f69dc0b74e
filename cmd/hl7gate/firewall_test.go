//go:build linux

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hl7gate/hl7gate/test/netns"
)

// firewallYAML is a gateway configuration with egress containment; %EGRESS% is replaced per test.
const firewallYAML = `
listeners:
  - {name: direct, address: "192.0.2.1:2575", allow_sources: ["192.0.2.0/24"]}
  - {name: intercept, address: "0.0.0.0:2576", mode: intercept, allow_sources: ["192.0.2.0/24"]}
stations:
  - {name: central, address: "198.51.100.10:2575", capture: ["203.0.113.120:511"]}
routes:
  - {name: all, stations: [central]}
egress:
%EGRESS%
`

const egressOn = `  enabled: true
  table: hl7gate_clitest
  monitor_interface: mon0
  hospital_interface: hosp0
  monitor_networks: ["192.0.2.0/24"]
  sinkhole: "0.0.0.0:2577"
  nflog_group: 7
  watchlist: ["203.0.113.119/32"]`

func writeConfig(t *testing.T, egress string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hl7gate.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(firewallYAML, "%EGRESS%", egress, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runFirewall(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), append([]string{"firewall"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestFirewallRender(t *testing.T) {
	for _, tc := range []struct {
		name   string
		egress string
		want   []string
	}{
		{"enforce", egressOn, []string{
			"# hl7gate egress containment (enforce mode).",
			"table inet hl7gate_clitest {",
			"198.51.100.10 . 2575", // intercepted and allowlisted station
			"203.0.113.120 . 511",  // captured
			"192.0.2.1 . 2575",     // direct listener
			"203.0.113.119/32",     // watchlist, next to the built-in 202.114.4.0/24
			"202.114.4.0/24",
			"redirect to :2576",
			"meta l4proto tcp counter redirect to :2577",
			`log prefix "hl7gate-egress:drop" group 7`,
		}},
		{"learning", egressOn + "\n  learn: true", []string{
			"(LEARNING mode: counts and logs, drops only the watchlist)",
			"ct state established,related counter accept", // each new flow logged once, where it is routed
			`log prefix "hl7gate-forward:accept" group 7`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runFirewall(t, "render", "--config", writeConfig(t, tc.egress))
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("ruleset lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestFirewallErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args func(t *testing.T) []string
		code int
		want string
	}{
		{"no action", func(t *testing.T) []string { return []string{"--config", writeConfig(t, egressOn)} }, 2,
			"usage: hl7gate firewall render|apply|remove --config FILE"},
		{"unknown action", func(t *testing.T) []string { return []string{"flush", "--config", writeConfig(t, egressOn)} }, 2,
			"usage: hl7gate firewall render|apply|remove --config FILE"},
		{"no config", func(*testing.T) []string { return []string{"render"} }, 2,
			"usage: hl7gate firewall render|apply|remove --config FILE"},
		{"egress off", func(t *testing.T) []string { return []string{"apply", "--config", writeConfig(t, "  enabled: false")} }, 1,
			"egress.enabled is false: there are no rules to apply"},
		{"bad egress", func(t *testing.T) []string {
			return []string{"render", "--config", writeConfig(t, strings.Replace(egressOn, "192.0.2.0/24", "192.0.2.0/33", 1))}
		}, 1, `egress.monitor_networks[0]: "192.0.2.0/33" is not a CIDR prefix`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runFirewall(t, tc.args(t)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d and %q", code, out, stderr, tc.code, tc.want)
			}
		})
	}
}

// render is for review and may run on another host: an interface this host lacks is a warning, and the
// ruleset is printed all the same.
func TestFirewallRenderWarnsOfMissingInterfaces(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mon      string
		hosp     string
		warnings []string
	}{
		{"both missing", "hl7t-nomon", "hl7t-nohosp", []string{
			`hl7gate firewall: warning: egress.monitor_interface: interface "hl7t-nomon" does not exist on this host (fine if the rules are for another host)`,
			`hl7gate firewall: warning: egress.hospital_interface: interface "hl7t-nohosp" does not exist on this host (fine if the rules are for another host)`,
		}},
		{"hospital missing", "lo", "hl7t-nohosp", []string{
			`hl7gate firewall: warning: egress.hospital_interface: interface "hl7t-nohosp" does not exist on this host (fine if the rules are for another host)`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			egress := strings.NewReplacer("mon0", tc.mon, "hosp0", tc.hosp).Replace(egressOn)
			code, out, stderr := runFirewall(t, "render", "--config", writeConfig(t, egress))
			if code != 0 || !strings.Contains(out, "table inet hl7gate_clitest {") {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, stderr)
			}
			if want := strings.Join(tc.warnings, "\n") + "\n"; stderr != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
			}
		})
	}
}

// apply refuses rules for an interface that does not exist where it runs: they would contain nothing.
// It runs in a fresh namespace, so that a broken check cannot install anything on the host.
func TestFirewallApplyRefusesMissingInterfaces(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "fwmiss")
	path := writeConfig(t, egressOn)
	code, out, stderr := inNS(t, n, "apply", "--config", path)
	want := path + `: not applied, rules for a missing interface contain nothing: ` +
		`egress.monitor_interface: interface "mon0" does not exist on this host; ` +
		`egress.hospital_interface: interface "hosp0" does not exist on this host`
	if code != 1 || out != "" || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 1 and %q", code, out, stderr, want)
	}
	if got, err := n.Command(t.Context(), "nft", "list", "table", "inet", "hl7gate_clitest").CombinedOutput(); err == nil {
		t.Fatalf("a table was installed:\n%s", got)
	}
}

// inNS runs `hl7gate firewall args...` on a thread inside n, so that nft and the interface lookups see n.
func inNS(t *testing.T, n *netns.NS, args ...string) (code int, out, stderr string) {
	t.Helper()
	err := n.Do(func() error {
		code, out, stderr = runFirewall(t, args...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return code, out, stderr
}

// apply installs the rendered table in a fresh network namespace, remove deletes it, and the host's own
// ruleset is never touched.
func TestFirewallApplyRemove(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "fwcli")
	peer := netns.New(t, "fwpeer") // the other ends of the gateway's two legs
	netns.Link(t, n, "mon0", peer, "m0")
	netns.Link(t, n, "hosp0", peer, "h0")
	path := writeConfig(t, egressOn)
	inNS := func(args ...string) (int, string, string) { return inNS(t, n, args...) }
	list := func(ctx context.Context, ns bool) (string, error) {
		var cmd *exec.Cmd
		if ns {
			cmd = n.Command(ctx, "nft", "list", "table", "inet", "hl7gate_clitest")
		} else {
			cmd = exec.CommandContext(ctx, "nft", "list", "table", "inet", "hl7gate_clitest")
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	if code, out, stderr := inNS("apply", "--config", path); code != 0 || out != "table inet hl7gate_clitest installed (enforce mode)\n" {
		t.Fatalf("apply: exit %d, %q, %s", code, out, stderr)
	}
	got, err := list(t.Context(), true)
	if err != nil {
		t.Fatalf("table not installed: %v: %s", err, got)
	}
	for _, w := range []string{"redirect to :2576", "redirect to :2577", "203.0.113.120 . 511", `log prefix "hl7gate-watchlist:drop" group 7`} {
		if !strings.Contains(got, w) {
			t.Errorf("installed table lacks %q:\n%s", w, got)
		}
	}
	if out, err := list(t.Context(), false); err == nil {
		t.Errorf("the host's namespace got the table:\n%s", out)
	}
	// Applying again replaces the table atomically; it does not fail or duplicate.
	if code, _, stderr := inNS("apply", "--config", path); code != 0 {
		t.Fatalf("second apply: exit %d: %s", code, stderr)
	}
	if again, _ := list(t.Context(), true); strings.Count(again, "chain monitor_nat {") != 1 {
		t.Errorf("after the second apply:\n%s", again)
	}
	if code, out, stderr := inNS("remove", "--config", path); code != 0 || out != "table inet hl7gate_clitest removed\n" {
		t.Fatalf("remove: exit %d, %q, %s", code, out, stderr)
	}
	if out, err := list(t.Context(), true); err == nil {
		t.Errorf("table still there after remove:\n%s", out)
	}
}
