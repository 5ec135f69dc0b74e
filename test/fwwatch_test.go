//go:build linux

package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/netns"
)

// rulesYAML is the configuration of the tests of the rules in force (TestFirewallWatch,
// TestReloadAppliesRules): everything on loopback inside the test's namespace, egress containment on in
// table inet <table>, its rules checked every 100 ms; watchlist adds destinations (another
// configuration's rules).
func rulesYAML(table string, applyOnReload, repair bool, watchlist string) string {
	return fmt.Sprintf(`
listeners:
  - {name: icu, address: "127.0.0.1:2575", allow_sources: ["127.0.0.0/8"]}
  - {name: intercept, address: "0.0.0.0:2576", mode: intercept, allow_sources: ["192.0.2.0/24"]}
stations:
  - {name: central, address: "127.0.0.1:2580", connections: 1}
routes:
  - {name: vitals, match: {message_types: ["ORU^R01"]}, stations: [central]}
admin: {address: "127.0.0.1:9102"}
egress:
  enabled: true
  apply_on_reload: %t
  table: %s
  monitor_interface: gmon
  hospital_interface: ghosp
  monitor_networks: ["192.0.2.0/24"]
  sinkhole: "127.0.0.1:2577"
  watchlist: [%s]
  verify_interval: 100ms
  repair: %t
`, applyOnReload, table, watchlist, repair)
}

// fwWatchNet is one namespace with the host's two legs, a central station and hl7gate serving.
type fwWatchNet struct {
	*nsAdmin
	bin   string
	cfg   string // the gateway's configuration
	other string // another configuration: other rules
	logs  *syncBuffer
}

// nsAdmin reaches the rules and the admin endpoint (127.0.0.1:9102) of the hl7gate running in ns.
type nsAdmin struct {
	ns    *netns.NS
	admin *http.Client
}

// newNSAdmin is the nsAdmin of ns.
func newNSAdmin(t *testing.T, ns *netns.NS) *nsAdmin {
	return &nsAdmin{ns: ns, admin: nsAdminClient(t, ns)}
}

// The running gateway notices when its containment rules are gone or changed: `nft delete table`, a rule
// deleted by handle and another configuration's rules each fail /readyz with the reason, set
// hl7gate_firewall_intact to 0 and raise one firewall event (no more however many checks follow), and
// re-applying the rules makes it ready again with one "restored" event. With egress.repair on, the table
// comes back by itself and the event says it was repaired, and another configuration's rules applied
// around the running gateway are replaced with its own.
func TestFirewallWatch(t *testing.T) {
	netns.Require(t)
	bin := buildHL7gate(t)

	t.Run("repair off", func(t *testing.T) {
		n := newFWWatchNet(t, bin, false)
		n.waitState(t, "applied", 200, "", 1, nil)
		events := []string{}
		for _, tc := range []struct {
			name   string
			change func()
			event  string // the start of the event's reason
			ready  string // in /readyz's answer
		}{
			{"table deleted", func() { n.nft(t, "delete", "table", "inet", "hl7gate_watch") },
				"nftables containment rules missing: no table inet hl7gate_watch", "nftables containment rules missing: no table inet hl7gate_watch"},
			{"rule deleted by handle", func() {
				n.nft(t, "delete", "rule", "inet", "hl7gate_watch", "to_hospital", "handle", n.ruleHandle(t, "to_hospital", "@stations4"))
			}, "nftables containment rules modified: table inet hl7gate_watch was changed since it was installed: line ",
				`was "ip daddr . tcp dport @stations4 counter accept"`},
			{"another configuration's rules", func() { n.apply(t, n.other) },
				"nftables containment rules foreign: table inet hl7gate_watch holds other rules (digest sha256:",
				"nftables containment rules foreign: table inet hl7gate_watch holds other rules (digest sha256:"},
		} {
			tc.change()
			events = append(events, "critical "+tc.event)
			n.waitState(t, tc.name, 503, tc.ready, 0, events)
			n.apply(t, n.cfg)
			events = append(events, "info nftables containment rules restored")
			n.waitState(t, tc.name+", re-applied", 200, "", 1, events)
		}
	})

	t.Run("repair on", func(t *testing.T) {
		n := newFWWatchNet(t, bin, true)
		n.waitState(t, "applied", 200, "", 1, nil)
		n.nft(t, "delete", "table", "inet", "hl7gate_watch")
		n.waitState(t, "table deleted", 200, "", 1, []string{"critical nftables containment rules missing: no table inet hl7gate_watch",
			"info nftables containment rules repaired by hl7gate (egress.repair)"})
		if m := n.metric(t, "hl7gate_firewall_repairs_total{result=\"applied\"}"); m != 1 {
			t.Errorf("hl7gate_firewall_repairs_total{result=\"applied\"} %v, want 1", m)
		}
		n.nft(t, "list", "table", "inet", "hl7gate_watch") // back in force
		// `hl7gate firewall apply` of another configuration while the gateway runs its own: put back.
		n.apply(t, n.other)
		n.waitState(t, "another configuration's rules", 200, "", 1, []string{"critical nftables containment rules missing",
			"info nftables containment rules repaired", "critical nftables containment rules foreign",
			"info nftables containment rules repaired by hl7gate (egress.repair)"})
		if l := n.nft(t, "list", "table", "inet", "hl7gate_watch"); strings.Contains(l, "203.0.113.77") {
			t.Errorf("the other configuration's rules stay in force:\n%s", l)
		}
	})
}

// newFWWatchNet builds the namespace, applies the rules of the gateway's configuration and starts the
// station and hl7gate.
func newFWWatchNet(t *testing.T, bin string, repair bool) *fwWatchNet {
	t.Helper()
	dir := t.TempDir()
	n := &fwWatchNet{nsAdmin: newNSAdmin(t, netns.New(t, "fw")), bin: bin, logs: &syncBuffer{},
		cfg: filepath.Join(dir, "hl7gate.yaml"), other: filepath.Join(dir, "other.yaml")}
	n.ns.IP(t, "link", "add", "gmon", "type", "veth", "peer", "name", "ghosp") // the host's two legs, by name
	writeFile(t, n.cfg, rulesYAML("hl7gate_watch", false, repair, ""))
	writeFile(t, n.other, rulesYAML("hl7gate_watch", false, repair, `"203.0.113.77/32"`))
	st := &station{t: t, ln: n.ns.Listen(t, "tcp", "127.0.0.1:2580"), beh: accept}
	st.wg.Add(1)
	go st.serve()
	t.Cleanup(st.close)
	n.apply(t, n.cfg)

	cmd := n.ns.Command(context.Background(), bin, "serve", "--config", n.cfg)
	proc := serveHL7gate(t, cmd, n.logs)
	up := func() bool { return strings.Count(n.logs.String(), `"message":"listening"`) == 2 }
	if !n.logs.update.waitFor(10*time.Second, func() bool { return up() || proc.hasExited() }) || !up() {
		t.Fatalf("hl7gate not up:\n%s", n.logs.String())
	}
	return n
}

// nsAdminClient is an HTTP client whose connections start inside ns.
func nsAdminClient(t *testing.T, ns *netns.NS) *http.Client {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) { return ns.Dial(ctx, network, addr) },
	}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// apply runs `hl7gate firewall apply` with the configuration cfg.
func (n *fwWatchNet) apply(t *testing.T, cfg string) {
	t.Helper()
	if out, err := n.ns.Command(t.Context(), n.bin, "firewall", "apply", "--config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("hl7gate firewall apply: %v\n%s", err, out)
	}
}

// nft runs nft in the namespace and returns its output.
func (n *nsAdmin) nft(t *testing.T, args ...string) string {
	t.Helper()
	out, err := n.ns.Command(t.Context(), "nft", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("nft %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ruleHandle returns the handle of the first rule of chain that contains match.
func (n *fwWatchNet) ruleHandle(t *testing.T, chain, match string) string {
	t.Helper()
	for _, line := range strings.Split(n.nft(t, "-a", "list", "chain", "inet", "hl7gate_watch", chain), "\n") {
		if _, h, ok := strings.Cut(line, "# handle "); ok && strings.Contains(line, match) {
			return strings.TrimSpace(h)
		}
	}
	t.Fatalf("no rule with %q in chain %s", match, chain)
	return ""
}

// get returns the status and body of an admin path.
func (n *nsAdmin) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := n.admin.Get("http://127.0.0.1:9102" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// metric returns the value of the series named (with its labels) on /metrics, or -1 without it.
func (n *nsAdmin) metric(t *testing.T, series string) float64 {
	t.Helper()
	_, body := n.get(t, "/metrics")
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// firewallEvents returns the firewall events on /api/events, oldest first, as "severity reason".
func (n *nsAdmin) firewallEvents(t *testing.T) []string {
	t.Helper()
	_, body := n.get(t, "/api/events?kind="+store.KindFirewall)
	var evs []store.Event
	if err := json.Unmarshal([]byte(body), &evs); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Severity + " " + e.Reason
	}
	return out
}

// waitState polls (with a deadline) until /readyz answers code with reason in its body, the gauge
// hl7gate_firewall_intact is intact and the firewall events start with the wanted ones; then it lets three
// more checks run and requires that nothing changed: one event per change, however many checks see it.
func (n *fwWatchNet) waitState(t *testing.T, what string, code int, reason string, intact float64, events []string) {
	t.Helper()
	var got []string
	var gotCode int
	var body string
	matches := func() bool {
		gotCode, body = n.get(t, "/readyz")
		got = n.firewallEvents(t)
		if gotCode != code || !strings.Contains(body, reason) || n.metric(t, "hl7gate_firewall_intact") != intact || len(got) != len(events) {
			return false
		}
		for i := range events {
			if !strings.HasPrefix(got[i], events[i]) {
				return false
			}
		}
		return true
	}
	if !pollFor(10*time.Second, matches) {
		t.Fatalf("%s: /readyz %d %q, hl7gate_firewall_intact %v, firewall events %q; want %d with %q, %v, %q",
			what, gotCode, body, n.metric(t, "hl7gate_firewall_intact"), got, code, reason, intact, events)
	}
	n.waitChecks(t, 3)
	if !matches() {
		t.Fatalf("%s: three checks later, /readyz %d %q, hl7gate_firewall_intact %v, firewall events %q",
			what, gotCode, body, n.metric(t, "hl7gate_firewall_intact"), got)
	}
}

// waitChecks waits until the gateway has checked the rules in force k more times.
func (n *nsAdmin) waitChecks(t *testing.T, k float64) {
	t.Helper()
	checks := n.metric(t, "hl7gate_firewall_checks_total")
	if !pollFor(10*time.Second, func() bool { return n.metric(t, "hl7gate_firewall_checks_total") >= checks+k }) {
		t.Fatalf("the rules are no longer checked (hl7gate_firewall_checks_total stays %v)", checks)
	}
}

// pollFor reports whether cond holds within limit, trying every 20 ms.
func pollFor(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
