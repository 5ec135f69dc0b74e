//go:build linux

package test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/test/netns"
)

// A reload (SIGHUP) whose egress settings change the nftables ruleset: with egress.apply_on_reload the
// ruleset in force (nft list table, in the gateway's own network namespace) is the new one, and the check
// of the rules in force expects it; without it (and without egress.repair), the ruleset in force stays as
// `hl7gate firewall apply` installed it, the gateway logs a warning, and the check finds the rules foreign
// until `hl7gate firewall apply` installs the new ones. With egress.repair on instead, the gateway installs
// them itself right after the reload, as the reload's own change (no "not intact" in between).
func TestReloadAppliesRules(t *testing.T) {
	netns.Require(t)
	bin := buildHL7gate(t)
	// applyFirst: the documented order, the new rules applied with `hl7gate firewall apply` before the
	// reload (deploywalk52 finding 6: the gateway then warned that they still needed installing).
	for _, tc := range []struct{ apply, repair, applyFirst bool }{{true, false, false}, {false, false, false},
		{false, true, false}, {false, false, true}} {
		apply := tc.apply
		t.Run(fmt.Sprintf("apply_on_reload=%t,repair=%t,applied_first=%t", apply, tc.repair, tc.applyFirst), func(t *testing.T) {
			ns := netns.New(t, "rl")
			ns.IP(t, "link", "add", "gmon", "type", "veth", "peer", "name", "ghosp") // the host's two legs, by name
			st := &station{t: t, ln: ns.Listen(t, "tcp", "127.0.0.1:2580"), beh: accept}
			st.wg.Add(1)
			go st.serve()
			t.Cleanup(st.close)
			cfgFile := t.TempDir() + "/hl7gate.yaml"
			write := func(watchlist string) {
				if err := os.WriteFile(cfgFile, []byte(rulesYAML("hl7gate_reload", apply, tc.repair, watchlist)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write(`"203.0.113.119/32"`)
			if out, err := ns.Command(t.Context(), bin, "firewall", "apply", "--config", cfgFile).CombinedOutput(); err != nil {
				t.Fatalf("hl7gate firewall apply: %v\n%s", err, out)
			}
			ruleset := func() string {
				t.Helper()
				out, err := ns.Command(t.Context(), "nft", "list", "table", "inet", "hl7gate_reload").CombinedOutput()
				if err != nil {
					t.Fatalf("nft list table: %v\n%s", err, out)
				}
				return string(out)
			}
			before := ruleset()
			if !strings.Contains(before, "203.0.113.119") || strings.Contains(before, "203.0.113.77") {
				t.Fatalf("the installed ruleset:\n%s", before)
			}

			logs := &syncBuffer{}
			cmd := ns.Command(context.Background(), bin, "serve", "--config", cfgFile)
			proc := serveHL7gate(t, cmd, logs)
			up := func() bool { return strings.Count(logs.String(), `"message":"listening"`) == 2 }
			if !logs.update.waitFor(10*time.Second, func() bool { return up() || proc.hasExited() }) || !up() {
				t.Fatalf("hl7gate not up:\n%s", logs.String())
			}
			write(`"203.0.113.119/32", "203.0.113.77/32"`) // a new watchlist destination: other rules
			if tc.applyFirst {
				if out, err := ns.Command(t.Context(), bin, "firewall", "apply", "--config", cfgFile).CombinedOutput(); err != nil {
					t.Fatalf("hl7gate firewall apply: %v\n%s", err, out)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			logs.waitCount(t, `"message":"configuration reloaded"`, 1)
			after := ruleset()
			if tc.applyFirst {
				if strings.Contains(logs.String(), "derives other nftables rules") ||
					!strings.Contains(logs.String(), "the nftables rules in force are already the reloaded configuration's") {
					t.Errorf("rules applied before the reload: want no warning, and a line saying they are in force:\n%s", logs.String())
				}
				admin := newNSAdmin(t, ns)
				admin.waitChecks(t, 2) // the reload's own and the next
				if code, body := admin.get(t, "/readyz"); code != 200 {
					t.Errorf("rules applied before the reload: /readyz %d %q after it, want 200", code, body)
				}
				return
			}
			if apply {
				if !strings.Contains(after, "203.0.113.77") || !strings.Contains(after, "203.0.113.119") {
					t.Errorf("apply_on_reload on: the ruleset in force lacks the new watchlist destination:\n%s", after)
				}
				if !strings.Contains(logs.String(), `"message":"nftables rules re-applied"`) {
					t.Errorf("no log line of the re-applied rules:\n%s", logs.String())
				}
				newNSAdmin(t, ns).waitChecks(t, 2) // the reload's own and the next
				if strings.Contains(logs.String(), "nftables containment rules not intact") {
					t.Errorf("rules applied on reload taken for not intact:\n%s", logs.String())
				}
				return
			}
			if tc.repair {
				logs.waitCount(t, `"message":"nftables rules of the reloaded configuration installed (egress.repair)"`, 1)
				newNSAdmin(t, ns).waitChecks(t, 2) // the reload's own and the next
				if strings.Contains(logs.String(), "nftables containment rules not intact") {
					t.Errorf("rules installed on reload taken for not intact (a critical event for a routine reload):\n%s", logs.String())
				}
				if after := ruleset(); !strings.Contains(after, "203.0.113.77") {
					t.Errorf("egress.repair on: the ruleset in force lacks the new watchlist destination:\n%s", after)
				}
				if !strings.Contains(logs.String(), "egress.repair installs them after the reload") {
					t.Errorf("no warning that egress.repair installs the reloaded rules:\n%s", logs.String())
				}
				return
			}
			if after != before {
				t.Errorf("apply_on_reload off: the ruleset in force changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if !strings.Contains(logs.String(), `"level":"warn"`) ||
				!strings.Contains(logs.String(), "the reloaded configuration derives other nftables rules") {
				t.Errorf("no warning that the rules in force are out of date:\n%s", logs.String())
			}
			// The rules in force are the old configuration's: the check calls them foreign (and /readyz
			// fails) until they are installed.
			logs.waitCount(t, `"state":"foreign","detail":"table inet hl7gate_reload holds other rules`, 1)
			if out, err := ns.Command(t.Context(), bin, "firewall", "apply", "--config", cfgFile).CombinedOutput(); err != nil {
				t.Fatalf("hl7gate firewall apply: %v\n%s", err, out)
			}
			logs.waitCount(t, `"state":"intact","was":"foreign"`, 1)
		})
	}
}
