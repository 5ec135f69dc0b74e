//go:build linux

package test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/internal/loadgen"
	"github.com/hl7gate/hl7gate/test/netns"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// Addresses of the HA topology (documentation ranges only). The monitor segment is 192.0.2.0/24 with
// the virtual address on whichever gateway is active; the hospital side is 198.51.100.0/24; the two
// gateways exchange VRRP adverts on a cable of their own, 203.0.113.0/24.
var (
	haVIP     = netip.MustParseAddr("192.0.2.1")
	haHopA    = netip.MustParseAddr("192.0.2.251") // a next hop bound to node A's MAC (probes aimed at A's L2)
	haHopB    = netip.MustParseAddr("192.0.2.252") // ... at node B's
	haStation = netip.MustParseAddr("198.51.100.10")
	haOutVIP  = netip.MustParseAddr("198.51.100.50") // outside the allowlist, probed via the VIP
	haOutA    = netip.MustParseAddr("198.51.100.51") // ... via node A's MAC
	haOutB    = netip.MustParseAddr("198.51.100.52") // ... via node B's MAC
)

// haMonitors is the number of monitors sending through the virtual address.
const haMonitors = 6

// haMarker is the payload of every containment probe.
const haMarker = "HA-PROBE-7d3e"

// haNode is one gateway host: hl7gate and keepalived in a namespace of its own.
type haNode struct {
	name     string // "a" or "b"
	ns       *netns.NS
	hospAddr netip.Addr
	haAddr   netip.Addr
	hl7gate  *haProc
	vrrp     *haProc
	admin    *nsAdmin // its rules and hl7gate's admin endpoint
}

// haNet is the failover topology: monitors, two gateway nodes, a central station and an outside host,
// joined by a bridge for the monitor segment and one for the hospital side.
type haNet struct {
	mon, st, out *netns.NS
	a, b         *haNode
	station      *loadgen.Station
	seen         *sightings
	bin, config  string
}

// TestFailover runs an hl7gate pair behind a keepalived virtual address, with monitors sending through
// it, and takes the active node away: once by killing its hl7gate with SIGKILL, once by taking all of
// its links down; a third case cuts only the link between the nodes, so that both take the address
// (split brain). It measures how long the monitors wait (from the event to each monitor's first
// positive ACK through the other node), checks that every positively ACKed message reached the station
// and that containment probes from the monitor segment never got out: before, during and after the
// failover, and while neither node holds the address.
func TestFailover(t *testing.T) {
	netns.Require(t)
	haRequire(t)
	bin := buildHL7gate(t)

	for _, tc := range []struct {
		name       string
		event      func(t *testing.T, active *haNode)
		splitBrain bool // after the event both nodes hold the address
	}{
		{name: "kill-hl7gate", event: func(t *testing.T, active *haNode) { active.hl7gate.kill(t) }},
		{name: "links-down", event: func(t *testing.T, active *haNode) {
			// The HA link first, so that the node cannot tell its peer it is going (as in a power cut).
			for _, dev := range []string{"ha0", "mon0", "hosp0"} {
				active.ns.IP(t, "link", "set", dev, "down")
			}
		}},
		// The HA link is cut while both nodes are up: both take the address.
		{name: "split-brain", splitBrain: true, event: func(t *testing.T, active *haNode) {
			active.ns.IP(t, "link", "set", "ha0", "down")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newHANet(t, bin, haWatchOff)
			// Both nodes start as BACKUP (nopreempt): A has the higher priority, but whichever node is up
			// first may win the first election and keep the address.
			active, standby := n.waitActive(t)

			// Without the rules the gateways route: probes through the active node and straight to
			// either node's MAC reach the outside host. So the checks below fail if the rules do not hold.
			for _, dst := range []netip.Addr{haOutVIP, haOutA, haOutB} {
				if err := haProbeUDP(n.mon, dst, "BEFORE"); err != nil {
					t.Fatal(err)
				}
				haProbeTCP(t.Context(), n.mon, dst, "BEFORE")
			}
			n.seen.wait(t, "udp 198.51.100.50:9999: BEFORE", "udp 198.51.100.51:9999: BEFORE", "udp 198.51.100.52:9999: BEFORE",
				"tcp segment to port 9950", "tcp segment to port 9951", "tcp segment to port 9952")
			before := len(n.seen.all())
			n.apply(t, n.a)
			n.apply(t, n.b)

			probes := n.startProbes(t)
			mons := n.startMonitors(t)
			mons.waitAcked(t, 5, time.Time{}, time.Time{})

			// The interruption runs from the start of the event; only sends begun after its end count as
			// resumed (before then a send may still have gone through the failed node).
			event := time.Now()
			tc.event(t, active)
			after := time.Now()
			if tc.splitBrain {
				n.poll(t, 10*time.Second, "split brain (both nodes holding the address)", func() bool {
					return n.holdsVIP(t, n.a) && n.holdsVIP(t, n.b)
				})
			} else {
				n.waitVIP(t, standby)
			}
			resumed := mons.waitAcked(t, 10, after, event)
			// And they keep going now that the address has settled (in split brain: on both nodes).
			settled := time.Now()
			mons.waitAcked(t, 10, settled, settled)
			mons.stop()

			// Neither node active: keepalived stops where it holds the address and releases it; a failed
			// node cannot take it (its hl7gate is dead or its links are down). Probes go on against both
			// nodes' MACs.
			for _, g := range []*haNode{n.a, n.b} {
				if n.holdsVIP(t, g) {
					g.vrrp.stop(t)
				}
			}
			n.waitNoVIP(t)
			probes.waitRounds(t, 3)
			probes.stop()

			first, all := slices.Min(resumed), slices.Max(resumed)
			gap := mons.longestGap(event)
			st := mons.check(t, n.station.Records())
			t.Logf("failover (%s, node %s active): first monitor ACKed again after %v, all %d monitors after %v, longest gap between two AAs of a monitor %v; %d messages ACKed, %d sends re-sent, %d duplicates at the station, %d probe rounds",
				tc.name, active.name, first.Round(time.Millisecond), len(resumed), all.Round(time.Millisecond), gap.Round(time.Millisecond),
				st.acked, st.resent, st.duplicates, probes.rounds.Load())
			if all > 3*time.Second || gap > 3*time.Second {
				t.Errorf("monitors sending again after %v (longest gap %v), want within 3s", all, gap)
			}
			for _, s := range n.seen.all()[before:] {
				t.Errorf("got past the rules: %s", s)
			}
		})
	}
}

// TestFailoverOnContainmentLoss checks what docs/high-availability.md says of the active node's
// containment rules lost (`nft delete table`) while monitors send through the pair of TestFailover, both
// nodes checking their rules every 200 ms. With egress.repair off the node's /readyz fails, keepalived puts
// it in FAULT and the peer takes the virtual address: the monitors get AA through the peer, the failed
// node's /readyz names the missing table, and once its rules are applied again it is ready and stays
// standby (nopreempt). With egress.repair on the node installs the table again, /readyz does not fail and
// the address never leaves it: one "missing" event and one "repaired".
func TestFailoverOnContainmentLoss(t *testing.T) {
	netns.Require(t)
	haRequire(t)
	bin := buildHL7gate(t)
	const (
		missing   = "nftables containment rules missing: no table inet hl7gate_ha"
		forwarded = `hl7gate_messages_forwarded_total{station="central"}`
	)

	t.Run("repair-off", func(t *testing.T) {
		n := newHANet(t, bin, haWatchNoRepair)
		active, standby := n.waitActive(t)
		if active != n.a {
			t.Fatalf("node %s active, want a (newHANet starts keepalived on b once a holds the address)", active.name)
		}
		mons := n.startMonitors(t)
		mons.waitAcked(t, 5, time.Time{}, time.Time{})
		before := standby.admin.metric(t, forwarded)
		faults := strings.Count(active.vrrp.out.String(), "Entering FAULT STATE")

		event := time.Now()
		active.admin.nft(t, "delete", "table", "inet", "hl7gate_ha")
		n.waitVIP(t, standby)
		after := time.Now()
		resumed := mons.waitAcked(t, 5, after, event)
		if got := standby.admin.metric(t, forwarded); got <= before {
			t.Errorf("node %s (now active) forwarded %v messages, %v before: the monitors' AAs did not come through it", standby.name, got, before)
		}
		active.vrrp.out.waitCount(t, "Entering FAULT STATE", faults+1)
		if code, body := active.admin.get(t, "/readyz"); code != 503 || !strings.Contains(body, missing) {
			t.Errorf("node %s without its rules: /readyz %d %q, want 503 with %q", active.name, code, body, missing)
		}

		// Its rules back, the node is ready again and keepalived takes it out of FAULT (rise 2: two checks).
		// It must stay standby: a node that preempts would take the address when its master-down timer runs
		// out in about 1.7 s (3 adverts of 0.5 s and the skew), so six adverts from the new active node pass.
		backups := strings.Count(active.vrrp.out.String(), "Entering BACKUP STATE")
		n.apply(t, active)
		if !pollFor(10*time.Second, func() bool { code, _ := active.admin.get(t, "/readyz"); return code == 200 }) {
			t.Fatalf("node %s not ready again after its rules were applied\n%s", active.name, n.logs())
		}
		active.vrrp.out.waitCount(t, "Entering BACKUP STATE", backups+1)
		adverts := haAdverts(t, active, standby.haAddr)
		n.waitHolding(t, standby, "six adverts to the standby", func() bool { return adverts.Load() >= 6 })
		mons.stop()
		st := mons.check(t, n.station.Records())
		t.Logf("rules deleted on node %s: address on node %s after %v, all %d monitors ACKed again after %v; %d messages ACKed, %d re-sent",
			active.name, standby.name, after.Sub(event).Round(time.Millisecond), len(resumed), slices.Max(resumed).Round(time.Millisecond), st.acked, st.resent)
	})

	t.Run("repair-on", func(t *testing.T) {
		n := newHANet(t, bin, haWatchRepair)
		active, standby := n.waitActive(t)
		mons := n.startMonitors(t)
		mons.waitAcked(t, 5, time.Time{}, time.Time{})
		faults := strings.Count(active.vrrp.out.String(), "Entering FAULT STATE")

		active.admin.nft(t, "delete", "table", "inet", "hl7gate_ha")
		want := []string{"critical " + missing, "info nftables containment rules repaired by hl7gate (egress.repair)"}
		var events []string
		n.waitHolding(t, active, "the missing and repaired events", func() bool {
			// What keepalived checks every second. A 503 of the few milliseconds of a repair shows here (or as a
			// FAULT) only when a check falls into it: TestFWWatchRepairStaysReady is the deterministic check.
			if code, body := active.admin.get(t, "/readyz"); code != 200 {
				t.Fatalf("node %s: /readyz %d %q during the repair", active.name, code, body)
			}
			events = active.admin.firewallEvents(t)
			return len(events) >= len(want)
		})
		active.admin.nft(t, "list", "table", "inet", "hl7gate_ha") // back in force
		// keepalived checks /readyz every second and one failure is a FAULT: four adverts (2 s) later the
		// address is still here and keepalived never left MASTER.
		adverts := haAdverts(t, standby, active.haAddr)
		n.waitHolding(t, active, "four adverts to the standby", func() bool { return adverts.Load() >= 4 })
		if got := strings.Count(active.vrrp.out.String(), "Entering FAULT STATE"); got != faults {
			t.Errorf("keepalived put node %s in FAULT during the repair\n%s", active.name, n.logs())
		}
		active.admin.waitChecks(t, 3) // and no more events however many checks follow
		if events = active.admin.firewallEvents(t); !slices.Equal(events, want) {
			t.Errorf("firewall events %q, want %q", events, want)
		}
		if events = standby.admin.firewallEvents(t); len(events) != 0 {
			t.Errorf("firewall events on the standby, whose rules were not touched: %q", events)
		}
		if code, body := active.admin.get(t, "/readyz"); code != 200 {
			t.Errorf("/readyz %d %q after the repair, want 200", code, body)
		}
		since := time.Now()
		mons.waitAcked(t, 5, since, since)
		mons.stop()
		mons.check(t, n.station.Records())
	})
}

// haRequire skips the test without keepalived and curl (see .ci/deps); with CI=true it fails.
func haRequire(t *testing.T) {
	t.Helper()
	var missing []string
	for _, bin := range []string{"keepalived", "curl"} {
		if _, err := haLookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "failover test needs " + strings.Join(missing, ", ") + " (run .ci/deps)"
	testkit.Unavailable(t, msg)
}

// haLookPath finds name in PATH, /usr/sbin or /usr/bin.
func haLookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", name)
}

// newHANet builds the namespaces, bridges and links, starts the station, the outside host's watchers,
// hl7gate and keepalived on both nodes, which watch their rules as watch says. With haWatchOff the rules
// are not applied yet; otherwise they are applied on both nodes before hl7gate starts (see haWatch), and
// keepalived starts on B once A holds the virtual address.
// Everything is removed at cleanup, also on failure: processes stop before their namespaces go.
func newHANet(t *testing.T, bin string, watch haWatch) *haNet {
	t.Helper()
	n := &haNet{mon: netns.New(t, "mon"), st: netns.New(t, "st"), out: netns.New(t, "out"), seen: &sightings{}, bin: bin}
	n.a = &haNode{name: "a", ns: netns.New(t, "gwa"), hospAddr: netip.MustParseAddr("198.51.100.2"), haAddr: netip.MustParseAddr("203.0.113.1")}
	n.b = &haNode{name: "b", ns: netns.New(t, "gwb"), hospAddr: netip.MustParseAddr("198.51.100.3"), haAddr: netip.MustParseAddr("203.0.113.2")}
	n.a.admin, n.b.admin = newNSAdmin(t, n.a.ns), newNSAdmin(t, n.b.ns)
	msw, hsw := netns.New(t, "msw"), netns.New(t, "hsw")
	for _, sw := range []*netns.NS{msw, hsw} {
		sw.IP(t, "link", "add", "br0", "type", "bridge")
		sw.IP(t, "link", "set", "br0", "up")
	}
	port := func(ns *netns.NS, dev string, sw *netns.NS, swDev string) {
		netns.Link(t, ns, dev, sw, swDev)
		sw.IP(t, "link", "set", swDev, "master", "br0")
	}
	// Both nodes name their interfaces alike, so one config renders the same rules for both.
	port(n.mon, "m0", msw, "p-mon")
	port(n.a.ns, "mon0", msw, "p-a")
	port(n.b.ns, "mon0", msw, "p-b")
	port(n.a.ns, "hosp0", hsw, "p-a")
	port(n.b.ns, "hosp0", hsw, "p-b")
	port(n.st, "s0", hsw, "p-st")
	port(n.out, "o0", hsw, "p-out")
	netns.Link(t, n.a.ns, "ha0", n.b.ns, "ha0")

	for i := range haMonitors {
		n.mon.AddAddr(t, "m0", netip.PrefixFrom(haMonitorAddr(i), 24))
	}
	n.mon.AddRoute(t, netip.MustParsePrefix("0.0.0.0/0"), haVIP)
	for _, g := range []*haNode{n.a, n.b} {
		g.ns.AddAddr(t, "hosp0", netip.PrefixFrom(g.hospAddr, 24))
		g.ns.AddAddr(t, "ha0", netip.PrefixFrom(g.haAddr, 24))
		g.ns.Sysctl(t, "net.ipv4.ip_forward", "1")
		// hl7gate listens on the virtual address also while the node is standby.
		g.ns.Sysctl(t, "net.ipv4.ip_nonlocal_bind", "1")
	}
	n.st.AddAddr(t, "s0", netip.PrefixFrom(haStation, 24))
	for _, a := range []netip.Addr{haOutVIP, haOutA, haOutB} {
		n.out.AddAddr(t, "o0", netip.PrefixFrom(a, 24))
		n.seen.watch(t, n.out, "udp", a.String()+":9999")
	}
	n.seen.watch(t, n.out, "ip4:icmp", "outside")
	haWatchTCP(t, n.out, n.seen)
	// Probes aimed at each node's MAC directly, whichever of them is active.
	for _, h := range []struct {
		hop, dst netip.Addr
		node     *haNode
	}{{haHopA, haOutA, n.a}, {haHopB, haOutB, n.b}} {
		n.mon.IP(t, "neigh", "replace", h.hop.String(), "lladdr", n.mac(t, h.node), "dev", "m0", "nud", "permanent")
		n.mon.AddRoute(t, netip.PrefixFrom(h.dst, 32), h.hop)
	}

	n.station = loadgen.NewStation(loadgen.AckMode{Code: hl7.AA})
	ln := n.st.Listen(t, "tcp", netip.AddrPortFrom(haStation, 2575).String())
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- n.station.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("station: %v", err)
		}
	})

	dir := t.TempDir()
	n.config = writeHAConfig(t, dir, "", watch.yaml())
	if watch != haWatchOff {
		n.apply(t, n.a)
		n.apply(t, n.b)
	}
	keepalived, err := haLookPath("keepalived")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*haNode{n.a, n.b} {
		g.hl7gate = startProc(t, g.ns, "hl7gate-"+g.name, bin, "serve", "--config", n.config)
		peer := n.b
		prio := 150
		if g == n.b {
			peer, prio = n.a, 100
		}
		conf := writeKeepalived(t, bin, n.config, filepath.Join(dir, "keepalived-"+g.name+".conf"),
			"--router-id", "hl7gate-"+g.name, "--priority", strconv.Itoa(prio), "--vrid", "51",
			"--ha-interface", "ha0", "--ha-source", g.haAddr.String(), "--ha-peer", peer.haAddr.String(),
			"--vip", netip.PrefixFrom(haVIP, 24).String())
		if err := keepalivedConfigTest(t.Context(), g.ns, keepalived, conf); err != nil {
			t.Fatal(err)
		}
		if g == n.b && watch != haWatchOff {
			// A (priority 150) is to be the active node: the one that fails is then the one that would
			// take the address back but for nopreempt. Without this, whichever node is ready first wins.
			n.waitVIP(t, n.a)
		}
		g.vrrp = startProc(t, g.ns, "keepalived-"+g.name, keepalived, "--dont-fork", "--log-console", "--log-detail", "--vrrp",
			"--use-file", conf, "--pid", filepath.Join(dir, "keepalived-"+g.name+".pid"),
			"--vrrp_pid", filepath.Join(dir, "vrrp-"+g.name+".pid"), "--checkers_pid", filepath.Join(dir, "checkers-"+g.name+".pid"))
	}
	// Stop all four at once (each takes up to a second); their own cleanups then find them stopped.
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, p := range []*haProc{n.a.vrrp, n.b.vrrp, n.a.hl7gate, n.b.hl7gate} {
			wg.Go(func() { p.stop(t) })
		}
		wg.Wait()
	})
	return n
}

// haConfigYAML is the configuration both nodes run: the direct listener on the virtual address, egress
// containment on, the admin endpoint on loopback. The first %s is more of the admin section, the second
// more of the egress section.
const haConfigYAML = `
listeners:
  - {name: direct, address: "192.0.2.1:2575", allow_sources: ["192.0.2.0/24"]}
  - {name: intercept, address: "0.0.0.0:2576", mode: intercept, allow_sources: ["192.0.2.0/24"]}
stations:
  - {name: central, address: "198.51.100.10:2575", connections: 2, ack_timeout: 2s}
routes:
  - {name: all, stations: [central]}
admin:
  address: "127.0.0.1:9102"
%s
egress:
  enabled: true
  table: hl7gate_ha
  monitor_interface: mon0
  hospital_interface: hosp0
  monitor_networks: ["192.0.2.0/24"]
  sinkhole: "0.0.0.0:2577"
  nflog_group: 7
%s`

// haWatch is how both nodes check their containment rules (egress.verify_interval, egress.repair), and
// so when the test applies them.
type haWatch int

const (
	// haWatchOff: verify_interval 0s. TestFailover proves the nodes route before it applies the rules,
	// through the address keepalived gives only to a ready node, and a watching node is not ready without
	// its rules (with repair on it would install them itself at start): the rules' check is
	// TestFailoverOnContainmentLoss's.
	haWatchOff haWatch = iota
	// haWatchNoRepair: checked every 200 ms (the test need not wait the default 5 s), repair off. The
	// rules are applied on both nodes before hl7gate starts, as hl7gate-firewall.service does at boot
	// (docs/deployment.md): a node is then ready as soon as its station answers, and keepalived gives the
	// address to a node whose rules are in force from the start. Nothing routes through a node
	// without them at any time, so the test has nothing to prove about routing first.
	haWatchNoRepair
	// haWatchRepair: as haWatchNoRepair, with repair on.
	haWatchRepair
)

// yaml returns w's lines of the egress section.
func (w haWatch) yaml() string {
	if w == haWatchOff {
		return "  verify_interval: 0s\n"
	}
	return fmt.Sprintf("  verify_interval: 200ms\n  repair: %t\n", w == haWatchRepair)
}

// writeHAConfig writes haConfigYAML, with admin (lines of the admin section) and egress (of the egress
// section) added, to dir/hl7gate.yaml and returns its path.
func writeHAConfig(t *testing.T, dir, admin, egress string) string {
	t.Helper()
	path := filepath.Join(dir, "hl7gate.yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, haConfigYAML, admin, egress), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeKeepalived renders one node's keepalived configuration for the gateway configuration config into
// path with `hl7gate keepalived` (bin), the command docs/high-availability.md deploys with, and the node's
// flags; it returns path.
func writeKeepalived(t *testing.T, bin, config, path string, flags ...string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), bin, append([]string{"keepalived", "--config", config, "-o", path}, flags...)...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("hl7gate keepalived %s: %v\n%s", strings.Join(flags, " "), err, out)
	}
	return path
}

// keepalivedConfigTest runs `keepalived --config-test` on conf inside ns, where its interfaces exist.
// keepalived 2.2.7 ends a config test by SIGTERM to itself, so that counts as success; any message
// (an unknown keyword, a bad value, a missing interface) is a failure.
func keepalivedConfigTest(ctx context.Context, ns *netns.NS, keepalived, conf string) error {
	out, err := ns.Command(ctx, keepalived, "--config-test", "--use-file", conf).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGTERM {
		err = nil
	}
	if err != nil || len(out) > 0 {
		return fmt.Errorf("keepalived --config-test %s: %v\n%s", conf, err, out)
	}
	return nil
}

// TestKeepalivedTemplate renders configs/keepalived.conf.tmpl with `hl7gate keepalived` for both nodes of
// a pair, for a node whose admin endpoint needs the token and for one whose endpoint also has TLS, has
// keepalived check all four (and a broken copy, which it must reject), and checks that the two nodes'
// files differ only where the template says they do.
func TestKeepalivedTemplate(t *testing.T) {
	netns.Require(t)
	haRequire(t)
	keepalived, err := haLookPath("keepalived")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildHL7gate(t)
	ns, peer := netns.New(t, "kaa"), netns.New(t, "kab")
	netns.Link(t, ns, "ha0", peer, "ha0")
	netns.Link(t, ns, "mon0", peer, "mon0")
	dir, authDir := t.TempDir(), t.TempDir()
	config := writeHAConfig(t, dir, "", "")
	token := filepath.Join(authDir, "token")
	if err := os.WriteFile(token, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	authConfig := writeHAConfig(t, authDir, "  token_file: "+token, "")
	node := func(id, prio, src, peer string) []string {
		return []string{"--router-id", id, "--priority", prio, "--vrid", "51", "--ha-interface", "ha0",
			"--ha-source", src, "--ha-peer", peer, "--vip", "192.0.2.1/24"}
	}
	confA := writeKeepalived(t, bin, config, filepath.Join(dir, "a.conf"), node("hl7gate-a", "150", "203.0.113.1", "203.0.113.2")...)
	confB := writeKeepalived(t, bin, config, filepath.Join(dir, "b.conf"), node("hl7gate-b", "100", "203.0.113.2", "203.0.113.1")...)
	// keepalived -t refuses a script user that does not exist, as keepalived_script (the default with a
	// header file) need not here; daemon is on every Debian system.
	confAuth := writeKeepalived(t, bin, authConfig, filepath.Join(dir, "auth.conf"),
		append(node("hl7gate-b", "100", "203.0.113.2", "203.0.113.1"), "--auth-header-file", "/etc/hl7gate/readyz-header", "--script-user", "daemon")...)
	// Both optional parts of the check's command line at once: the token's header and, with admin.tls, the
	// CA curl checks the admin certificate against (https).
	for _, name := range []string{"cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(authDir, name), []byte("not read here"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tlsConfig := writeHAConfig(t, t.TempDir(), fmt.Sprintf("  token_file: %s\n  tls: {cert_file: %s/cert.pem, key_file: %s/key.pem}", token, authDir, authDir), "")
	confTLS := writeKeepalived(t, bin, tlsConfig, filepath.Join(dir, "tls.conf"), append(node("hl7gate-a", "150", "203.0.113.1", "203.0.113.2"),
		"--auth-header-file", "/etc/hl7gate/readyz-header", "--admin-ca-file", "/etc/hl7gate/admin-ca.pem", "--script-user", "daemon")...)
	for _, conf := range []string{confA, confB, confAuth, confTLS} {
		if err := keepalivedConfigTest(t.Context(), ns, keepalived, conf); err != nil {
			t.Error(err)
		}
	}
	textA, _ := os.ReadFile(confA)
	textB, _ := os.ReadFile(confB)
	if auth, _ := os.ReadFile(confAuth); !strings.Contains(string(auth), "--header @/etc/hl7gate/readyz-header http://127.0.0.1:9102/readyz") {
		t.Errorf("AuthHeaderFile not in the health check:\n%s", auth)
	}
	if tls, _ := os.ReadFile(confTLS); !strings.Contains(string(tls), "--cacert /etc/hl7gate/admin-ca.pem --header @/etc/hl7gate/readyz-header https://127.0.0.1:9102/readyz") {
		t.Errorf("CAFile, AuthHeaderFile or https not in the health check:\n%s", tls)
	}

	// The nodes' files differ in the node's name, priority and unicast addresses only.
	linesA, linesB := strings.Split(string(textA), "\n"), strings.Split(string(textB), "\n")
	if len(linesA) != len(linesB) {
		t.Fatalf("node files have %d and %d lines", len(linesA), len(linesB))
	}
	var diff []string
	for i := range linesA {
		if linesA[i] != linesB[i] {
			diff = append(diff, strings.Fields(linesA[i])[0]+" / "+strings.TrimSpace(linesB[i]))
		}
	}
	want := []string{"# / # hl7gate active/standby pair, node hl7gate-b. Generated by hl7gate keepalived from configs/keepalived.conf.tmpl.",
		"router_id / router_id hl7gate-b", "priority / priority 100", "unicast_src_ip / unicast_src_ip 203.0.113.2", "203.0.113.2 / 203.0.113.1"}
	if !slices.Equal(diff, want) {
		t.Errorf("node files differ in\n%q\nwant\n%q", diff, want)
	}

	// A file keepalived cannot read fails the check.
	broken := filepath.Join(dir, "broken.conf")
	if err := os.WriteFile(broken, []byte(strings.Replace(string(textA), "\n    nopreempt\n", "\n    nopreemt\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := keepalivedConfigTest(t.Context(), ns, keepalived, broken); err == nil {
		t.Error("keepalived --config-test accepted a misspelt keyword")
	}
}

// haMonitorAddr is the source address of monitor i.
func haMonitorAddr(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}) }

// mac returns the MAC address of g's monitor-side interface.
func (n *haNet) mac(t *testing.T, g *haNode) string {
	t.Helper()
	f := strings.Fields(g.ns.IP(t, "-br", "link", "show", "dev", "mon0"))
	if len(f) < 3 {
		t.Fatalf("no MAC in %q", f)
	}
	return f[2]
}

// holdsVIP reports whether g has the virtual address on its monitor-side interface.
func (n *haNet) holdsVIP(t *testing.T, g *haNode) bool {
	t.Helper()
	return strings.Contains(g.ns.IP(t, "-br", "addr", "show", "dev", "mon0"), haVIP.String()+"/")
}

// waitActive waits until exactly one node holds the virtual address and returns it and the other.
func (n *haNet) waitActive(t *testing.T) (active, standby *haNode) {
	t.Helper()
	n.poll(t, 10*time.Second, "node alone holding the virtual address", func() bool {
		return n.holdsVIP(t, n.a) != n.holdsVIP(t, n.b)
	})
	if n.holdsVIP(t, n.a) {
		return n.a, n.b
	}
	return n.b, n.a
}

// waitVIP waits until g, and only g, holds the virtual address.
func (n *haNet) waitVIP(t *testing.T, g *haNode) {
	t.Helper()
	n.poll(t, 10*time.Second, "node "+g.name+" alone holding the virtual address", func() bool {
		return n.aloneHolding(t, g)
	})
}

// aloneHolding reports whether g, and only g, holds the virtual address.
func (n *haNet) aloneHolding(t *testing.T, g *haNode) bool {
	t.Helper()
	other := n.a
	if g == n.a {
		other = n.b
	}
	return n.holdsVIP(t, g) && !n.holdsVIP(t, other)
}

// waitHolding waits up to 10 s until cond holds, and fails t as soon as g is not alone holding the
// virtual address, which it checks before each try of cond.
func (n *haNet) waitHolding(t *testing.T, g *haNode, what string, cond func() bool) {
	t.Helper()
	n.poll(t, 10*time.Second, what, func() bool {
		if !n.aloneHolding(t, g) {
			t.Fatalf("node %s no longer alone holding the virtual address (waiting for %s)\n%s", g.name, what, n.logs())
		}
		return cond()
	})
}

// haAdverts counts the VRRP adverts (IP protocol 112) g receives from from, from now on; cleanup closes
// its socket.
func haAdverts(t *testing.T, g *haNode, from netip.Addr) *atomic.Int64 {
	t.Helper()
	var pc net.PacketConn
	if err := g.ns.Do(func() (err error) { pc, err = net.ListenPacket("ip4:112", "0.0.0.0"); return err }); err != nil {
		t.Fatalf("watch vrrp: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	k := &atomic.Int64{}
	go func() {
		buf := make([]byte, 512)
		for {
			_, src, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if a, ok := src.(*net.IPAddr); ok && a.IP.Equal(from.AsSlice()) {
				k.Add(1)
			}
		}
	}()
	return k
}

// waitNoVIP waits until neither node holds the virtual address.
func (n *haNet) waitNoVIP(t *testing.T) {
	t.Helper()
	n.poll(t, 10*time.Second, "neither node holding the virtual address", func() bool {
		return !n.holdsVIP(t, n.a) && !n.holdsVIP(t, n.b)
	})
}

// poll checks cond every 20 ms until it holds or the time is up, which fails t with both nodes' logs.
func (n *haNet) poll(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v\n%s", what, limit, n.logs())
		}
	}
}

// logs returns the output of both nodes' hl7gate and keepalived.
func (n *haNet) logs() string {
	var b strings.Builder
	for _, g := range []*haNode{n.a, n.b} {
		for _, p := range []*haProc{g.hl7gate, g.vrrp} {
			if p != nil {
				fmt.Fprintf(&b, "--- %s:\n%s\n", p.name, p.out.String())
			}
		}
	}
	return b.String()
}

// apply installs the rules on g with `hl7gate firewall apply`, from the config both nodes share;
// cleanup removes them.
func (n *haNet) apply(t *testing.T, g *haNode) {
	t.Helper()
	if out, err := g.ns.Command(t.Context(), n.bin, "firewall", "apply", "--config", n.config).CombinedOutput(); err != nil {
		t.Fatalf("hl7gate firewall apply on %s: %v\n%s", g.name, err, out)
	}
	t.Cleanup(func() {
		if out, err := g.ns.Command(context.Background(), n.bin, "firewall", "remove", "--config", n.config).CombinedOutput(); err != nil {
			t.Errorf("hl7gate firewall remove on %s: %v\n%s", g.name, err, out)
		}
	})
}

// haProc is a process running in a namespace for the test.
type haProc struct {
	name   string
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan error
	done   atomic.Bool
}

// startProc starts name with args in ns; cleanup stops it with SIGTERM (SIGKILL after 10 s) and prints
// its output if the test failed.
func startProc(t *testing.T, ns *netns.NS, label, name string, args ...string) *haProc {
	t.Helper()
	p := &haProc{name: label, out: &syncBuffer{}, exited: make(chan error, 1)}
	p.cmd = ns.Command(context.Background(), name, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", label, err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("%s output:\n%s", label, p.out.String())
		}
	})
	return p
}

// stop ends p with SIGTERM and waits for it; a later call does nothing.
func (p *haProc) stop(t *testing.T) {
	if p.done.Swap(true) {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("%s did not stop on SIGTERM", p.name)
	}
}

// kill ends p with SIGKILL and waits for it.
func (p *haProc) kill(t *testing.T) {
	t.Helper()
	p.done.Store(true)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	<-p.exited
}

// haProbes sends containment probes from the monitor segment in rounds until stopped.
type haProbes struct {
	rounds atomic.Int64
	cancel context.CancelFunc
	done   chan struct{}
}

// startProbes sends, every 50 ms, a UDP datagram, an ICMP echo request and a TCP connection carrying
// haMarker from the monitor segment toward the outside host: via the virtual address and directly to
// each node's MAC. None may arrive. Cleanup stops it.
func (n *haNet) startProbes(t *testing.T) *haProbes {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &haProbes{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, dst := range []netip.Addr{haOutVIP, haOutA, haOutB} {
				// Errors are expected here (unreachable, refused, reset): only arrivals count.
				_ = haProbeUDP(n.mon, dst, haMarker)
				_ = haProbeICMP(n.mon, dst, haMarker)
				haProbeTCP(ctx, n.mon, dst, haMarker)
			}
			p.rounds.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(p.stop)
	return p
}

// waitRounds waits until k more rounds of probes have been sent.
func (p *haProbes) waitRounds(t *testing.T, k int64) {
	t.Helper()
	want := p.rounds.Load() + k
	for deadline := time.Now().Add(10 * time.Second); p.rounds.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d probe rounds, want %d", p.rounds.Load(), want)
		}
	}
}

// stop ends the probes and waits for the last round.
func (p *haProbes) stop() {
	p.cancel()
	<-p.done
}

// haProbeUDP sends one datagram to dst:9999 from the monitor namespace.
func haProbeUDP(ns *netns.NS, dst netip.Addr, payload string) error {
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("udp4", ":0"); return err }); err != nil {
		return err
	}
	defer pc.Close()
	_, err := pc.WriteTo([]byte(payload), net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9999)))
	return err
}

// haProbeICMP sends one echo request carrying payload to dst from the monitor namespace.
func haProbeICMP(ns *netns.NS, dst netip.Addr, payload string) error {
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("ip4:icmp", "0.0.0.0"); return err }); err != nil {
		return err
	}
	defer pc.Close()
	msg := append([]byte{8, 0, 0, 0, 0x12, 0x35, 0, 1}, payload...)
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	_, err := pc.WriteTo(msg, &net.IPAddr{IP: dst.AsSlice()})
	return err
}

// haProbeTCP connects to dst, port 9900 plus dst's last byte, from the monitor namespace and writes
// payload; the gateway's sinkhole may accept the connection, the outside host must never see a segment of
// it (haWatchTCP). The outside host has no route back, so without the rules the SYN arrives and the
// connect times out.
func haProbeTCP(ctx context.Context, ns *netns.NS, dst netip.Addr, payload string) {
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	c, err := ns.Dial(ctx, "tcp", netip.AddrPortFrom(dst, 9900+uint16(dst.As4()[3])).String())
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	_, _ = io.WriteString(c, payload)
}

// haWatchTCP records every TCP segment that arrives in ns for ports 9900-9999 ("tcp segment to port
// N"), whether or not anything listens there. Cleanup closes it.
func haWatchTCP(t *testing.T, ns *netns.NS, seen *sightings) {
	t.Helper()
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("ip4:tcp", "0.0.0.0"); return err }); err != nil {
		t.Fatalf("watch tcp: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			k, from, err := pc.ReadFrom(buf) // the TCP header and payload
			if err != nil {
				return
			}
			if k < 20 {
				continue
			}
			if port := binary.BigEndian.Uint16(buf[2:4]); port >= 9900 && port <= 9999 {
				seen.add(fmt.Sprintf("tcp segment to port %d (from %s)", port, from))
			}
		}
	}()
}

// haSend is one exchange of a monitor: a message (by record ID) sent, and how it was answered.
type haSend struct {
	id     uint64
	answer loadgen.Outcome
	start  time.Time // when the send began (connect included)
	end    time.Time // when the answer came, or the send failed
}

// haFleet are the monitors of the test: each sends ORU messages through the virtual address, one at a
// time, every 20 ms, and re-sends a message until it gets AA, as a real monitor does: after an ACK
// timeout (1 s), a lost connection, a negative ACK or a failed connect (tried again every 50 ms, each
// connect given 300 ms).
type haFleet struct {
	mu     sync.Mutex
	sends  [][]haSend // per monitor, in order
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startMonitors starts haMonitors monitors in the monitor namespace; cleanup stops them.
func (n *haNet) startMonitors(t *testing.T) *haFleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &haFleet{sends: make([][]haSend, haMonitors), cancel: cancel}
	for i := range haMonitors {
		f.wg.Go(func() { f.run(ctx, n.mon, i) })
	}
	t.Cleanup(f.stop)
	return f
}

// stop ends the monitors and waits for them.
func (f *haFleet) stop() {
	f.cancel()
	f.wg.Wait()
}

// run is monitor i's life until ctx ends.
func (f *haFleet) run(ctx context.Context, ns *netns.NS, i int) {
	var (
		c    net.Conn
		r    *mllp.Reader
		w    *mllp.Writer
		ack  hl7.Message
		pace = time.NewTicker(20 * time.Millisecond)
	)
	defer pace.Stop()
	hangUp := func() {
		if c != nil {
			c.Close()
			c = nil
		}
	}
	defer hangUp()
	wait := func(d time.Duration) bool {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-tm.C:
			return true
		}
	}
	app := fmt.Sprintf("HAMON%d", i)
	for k := 0; ctx.Err() == nil; k++ {
		ctrl := fmt.Sprintf("%s-%d", app, k)
		msg := oru(app, ctrl)
		rec, err := loadgen.RecordOf(msg)
		if err != nil {
			panic(err) // oru builds valid HL7
		}
		for ctx.Err() == nil {
			s := haSend{id: rec.ID, answer: loadgen.NoAck, start: time.Now()}
			if c == nil {
				dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				err = ns.Do(func() (err error) {
					d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(haMonitorAddr(i), 0))}
					c, err = d.DialContext(dctx, "tcp", netip.AddrPortFrom(haVIP, 2575).String())
					return err
				})
				cancel()
				if err != nil {
					c = nil
					if !wait(50 * time.Millisecond) {
						return
					}
					continue // a failed connect sends nothing: not recorded
				}
				r, w = mllp.NewReader(c, 0), mllp.NewWriter(c)
			}
			s.answer = exchangeHA(c, r, w, &ack, msg, ctrl)
			s.end = time.Now()
			f.mu.Lock()
			f.sends[i] = append(f.sends[i], s)
			f.mu.Unlock()
			if s.answer == loadgen.AckAA {
				break
			}
			hangUp()
			if s.answer != loadgen.NoAck && !wait(100*time.Millisecond) { // a negative ACK: back off, re-send
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-pace.C:
		}
	}
}

// exchangeHA sends msg and reads its ACK within 1 s: NoAck on any I/O error, AckMismatch when MSA-2 is
// not ctrl, otherwise the ACK's code.
func exchangeHA(c net.Conn, r *mllp.Reader, w *mllp.Writer, ack *hl7.Message, msg []byte, ctrl string) loadgen.Outcome {
	c.SetDeadline(time.Now().Add(time.Second))
	if err := w.WriteFrame(msg); err != nil {
		return loadgen.NoAck
	}
	frame, err := r.ReadFrame()
	if err != nil || ack.Parse(frame) != nil {
		return loadgen.NoAck
	}
	code, id, ok := hl7.ParseAck(ack)
	switch {
	case !ok:
		return loadgen.AckOther
	case string(id) != ctrl:
		return loadgen.AckMismatch
	case code == hl7.AA:
		return loadgen.AckAA
	case code == hl7.AE:
		return loadgen.AckAE
	case code == hl7.AR:
		return loadgen.AckAR
	}
	return loadgen.AckOther
}

// waitAcked waits until every monitor has k AAs for sends begun after since, and returns, per monitor,
// how long after from its first such AA came.
func (f *haFleet) waitAcked(t *testing.T, k int, since, from time.Time) []time.Duration {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		f.mu.Lock()
		first := make([]time.Duration, len(f.sends))
		ok := true
		for i, sends := range f.sends {
			got := 0
			for _, s := range sends {
				if s.answer == loadgen.AckAA && s.start.After(since) {
					if got == 0 {
						first[i] = s.end.Sub(from)
					}
					got++
				}
			}
			ok = ok && got >= k
		}
		f.mu.Unlock()
		if ok {
			return first
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitors did not get %d AAs each after %v", k, since)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// longestGap returns the longest time any monitor went without an AA, counted from its last AA before
// since (or since itself) to the end of what was sent.
func (f *haFleet) longestGap(since time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var longest time.Duration
	for _, sends := range f.sends {
		prev := since
		for _, s := range sends {
			if s.answer != loadgen.AckAA {
				continue
			}
			if s.end.After(since) {
				longest = max(longest, s.end.Sub(prev))
			}
			prev = s.end
		}
	}
	return longest
}

// haStats sums up what the monitors sent.
type haStats struct{ acked, resent, duplicates int }

// check compares the monitors' sends with what the station received: every AA's message arrived (zero
// falsely ACKed), no ACK named another message, each monitor's messages first arrived in order.
func (f *haFleet) check(t *testing.T, station []loadgen.Record) haStats {
	t.Helper()
	first := make(map[uint64]int, len(station))
	copies := make(map[uint64]int, len(station))
	for i, r := range station {
		if _, ok := first[r.ID]; !ok {
			first[r.ID] = i
		}
		copies[r.ID]++
	}
	var st haStats
	var falseAcked, mismatched, disorder int
	for _, sends := range f.sends {
		last := -1
		for j, s := range sends {
			if j > 0 && sends[j-1].id == s.id {
				st.resent++
			}
			switch s.answer {
			case loadgen.AckMismatch:
				mismatched++
			case loadgen.AckAA:
				st.acked++
				at, ok := first[s.id]
				if !ok {
					falseAcked++
					continue
				}
				if at < last {
					disorder++
				}
				last = at
				st.duplicates += copies[s.id] - 1
			}
		}
	}
	if falseAcked+mismatched+disorder > 0 {
		t.Errorf("%d falsely ACKed (AA, never at the station), %d ACKs naming another message, %d out of order", falseAcked, mismatched, disorder)
	}
	if st.acked == 0 {
		t.Error("no message was ACKed")
	}
	return st
}
