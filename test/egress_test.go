//go:build linux

package test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
	"github.com/hl7gate/hl7gate/test/netns"
)

// egressMarker stands for patient data in every non-HL7 payload the monitor sends; like the PID of oru
// (SECRETNAME, MRN12345) it must appear nowhere in hl7gate's logs or admin output.
const egressMarker = "EGRESS-MARKER-5a1c"

// Addresses of the egress topology (documentation ranges only).
var (
	monAddr     = netip.MustParseAddr("192.0.2.10")    // the monitor
	gwMonAddr   = netip.MustParseAddr("192.0.2.1")     // the gateway host's monitor leg
	gwHospAddr  = netip.MustParseAddr("198.51.100.1")  // ... its hospital leg
	gwOutAddr   = netip.MustParseAddr("203.0.113.1")   // ... its uplink toward "outside"
	stationAddr = netip.MustParseAddr("198.51.100.10") // the real central station
	remote119   = netip.MustParseAddr("203.0.113.119") // stand-in for 202.114.4.119 (NFS, TCP 515)
	remote120   = netip.MustParseAddr("203.0.113.120") // stand-in for 202.114.4.120 (HL7 on 511)
	remote50    = netip.MustParseAddr("203.0.113.50")  // an outside host not on the watchlist
)

// egressNet is a monitor, a gateway host running hl7gate in a subprocess, a central station and an
// outside host, each in its own network namespace.
type egressNet struct {
	mon, gw, st, out *netns.NS
	station          *station
	seen             *sightings // what arrived anywhere but at hl7gate
	logs             *syncBuffer
	bin, config      string
	admin            *http.Client
}

// TestEgressContainment runs hl7gate as the monitor segment's only way out: first proving that the
// topology routes everything without the rules, then applying the rules generated from the gateway's own
// config and checking that HL7 still reaches the station (intercepted and captured), nothing else leaves
// or enters, and every attempt is on the admin endpoint without payload bytes.
func TestEgressContainment(t *testing.T) {
	netns.Require(t)
	bin := buildHL7gate(t)

	t.Run("enforce", func(t *testing.T) {
		n := newEgressNet(t, bin, false)
		// Without rules the host routes: a datagram from the monitor reaches the outside host, and one
		// from outside reaches the monitor. Everything below therefore fails if the rules do not hold.
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote119, 9999), "BEFORE-out")
		n.sendUDP(t, n.out, remote119, netip.AddrPortFrom(monAddr, 4000), "BEFORE-in")
		n.sendICMP(t, n.mon, remote119, "BEFORE-ping")
		n.seen.wait(t, "udp 203.0.113.119:9999: BEFORE-out", "udp 192.0.2.10:4000: BEFORE-in", "icmp outside: BEFORE-ping")
		n.apply(t)

		// HL7 to the station's own address is intercepted and delivered; so is HL7 aimed at the captured
		// hard-coded destination; the direct listener works as before.
		for i, dst := range []string{"198.51.100.10:2575", "203.0.113.120:511", "192.0.2.1:2575"} {
			ctrl := fmt.Sprintf("E%d", i)
			if code, id := n.sendHL7(t, dst, oru("MON1", ctrl)); code != hl7.AA || id != ctrl {
				t.Errorf("HL7 to %s: ACK %s for %q, want AA for %s", dst, code, id, ctrl)
			}
		}
		// The allowlist holds on every path: an ADT^A08 (a patient's name rewritten) gets AR with ERR 200
		// wherever the monitor aims it, and never reaches the station.
		for i, dst := range []string{"198.51.100.10:2575", "203.0.113.120:511", "192.0.2.1:2575"} {
			ctrl := fmt.Sprintf("D%d", i)
			ack := n.sendHL7Raw(t, dst, withType(oru("MON1", ctrl), "ADT^A08^ADT_A01"))
			if code, id := parseAck(t, ack); code != hl7.AR || id != ctrl || !strings.Contains(string(ack), "\rERR|||200^") {
				t.Errorf("ADT^A08 to %s: ACK %q, want AR for %s with ERR code 200", dst, ack, ctrl)
			}
		}
		// An allowed message after them still arrives, and it is the only one: the station has exactly
		// the three ORU^R01 and this one.
		if code, id := n.sendHL7(t, "203.0.113.120:511", oru("MON1", "E3")); code != hl7.AA || id != "E3" {
			t.Errorf("HL7 after the denied ones: ACK %s for %q, want AA for E3", code, id)
		}
		delivered := n.station.waitReceived(t, 4)
		if len(delivered) != 4 {
			t.Errorf("station received %d messages, want 4", len(delivered))
		}
		for _, m := range delivered {
			if strings.Contains(string(m), "ADT^A08") {
				t.Errorf("station received an ADT^A08 the allowlist denies")
			}
		}

		// Everything else from the monitor: TCP is sinkholed (the connection is accepted, then reset),
		// the rest is dropped.
		for _, tc := range []struct {
			dst     string
			payload string
		}{
			{"203.0.113.119:515", "\x0b" + string(oru("MON1", "LPD")) + "\x1c\r"}, // HL7 where the CMS stream goes
			{"203.0.113.119:2049", egressMarker},                                  // NFS
			{"203.0.113.119:111", egressMarker},                                   // portmap
			{"198.51.100.10:22", egressMarker},                                    // the hospital side
		} {
			n.sendTCP(t, tc.dst, tc.payload)
		}
		for _, dst := range []netip.AddrPort{
			netip.AddrPortFrom(remote119, 53), netip.AddrPortFrom(remote119, 2049), netip.AddrPortFrom(remote119, 111),
			netip.AddrPortFrom(remote119, 9999), netip.AddrPortFrom(stationAddr, 9999),
		} {
			n.sendUDP(t, n.mon, monAddr, dst, egressMarker)
		}
		n.sendICMP(t, n.mon, remote119, egressMarker)
		n.sendICMP(t, n.mon, stationAddr, egressMarker)
		// Unsolicited traffic from outside toward the monitor.
		n.sendUDP(t, n.out, remote119, netip.AddrPortFrom(monAddr, 4000), egressMarker)
		n.dialFails(t, n.out, remote119, netip.AddrPortFrom(monAddr, 4001))

		want := []store.Egress{
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "tcp", Port: 515, Watchlist: true, LooksLikeHL7: true},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "tcp", Port: 2049, Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "tcp", Port: 111, Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "198.51.100.10", Protocol: "tcp", Port: 22},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "udp", Port: 53, Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "udp", Port: 2049, Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "udp", Port: 111, Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "udp", Port: 9999, Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "198.51.100.10", Protocol: "udp", Port: 9999},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "icmp", Watchlist: true},
			{Monitor: "192.0.2.10", Destination: "198.51.100.10", Protocol: "icmp"},
			// Toward the monitor: from the outside host to the monitor's port, under the monitor.
			{Monitor: "192.0.2.10", Source: "203.0.113.119", Destination: "192.0.2.10", Protocol: "inbound-udp", Port: 4000, Watchlist: true},
			{Monitor: "192.0.2.10", Source: "203.0.113.119", Destination: "192.0.2.10", Protocol: "inbound-tcp", Port: 4001, Watchlist: true},
		}
		got := n.waitEgress(t, want)
		for _, a := range got {
			if a.Destination == "203.0.113.120" || a.Destination == "198.51.100.10" && a.Port == 2575 {
				t.Errorf("intercepted or captured HL7 recorded as egress: %+v", a)
			}
		}

		// Nothing arrived anywhere since the rules went in.
		for _, s := range n.seen.all() {
			if !strings.Contains(s, "BEFORE") {
				t.Errorf("got past the rules: %s", s)
			}
		}
		evs := n.get(t, "/api/events?kind=egress")
		if !strings.Contains(evs, `"severity": "critical"`) || !strings.Contains(evs, `"severity": "warning"`) {
			t.Errorf("egress events lack severities:\n%s", evs)
		}
		n.noPayload(t)
	})

	t.Run("learn", func(t *testing.T) {
		n := newEgressNet(t, bin, true)
		n.apply(t)
		// In learning mode the monitor's traffic still flows, and is recorded; the watchlist is still
		// dropped.
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9999), egressMarker+"-learn")
		n.seen.wait(t, "udp 203.0.113.50:9999: "+egressMarker+"-learn")
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote119, 9999), egressMarker)
		n.waitEgress(t, []store.Egress{
			{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9999},
			{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "udp", Port: 9999, Watchlist: true},
		})
		for _, s := range n.seen.all() {
			if strings.Contains(s, "203.0.113.119") {
				t.Errorf("watchlisted traffic got out in learning mode: %s", s)
			}
		}
		if evs := n.get(t, "/api/events?kind=egress"); !strings.Contains(evs, "allowed (learning mode): udp to 203.0.113.50 port 9999") {
			t.Errorf("learning-mode event missing:\n%s", evs)
		}
		n.noPayload(t)
	})
}

// buildHL7gate builds the hl7gate binary into a temporary directory.
func buildHL7gate(t *testing.T) string {
	t.Helper()
	return buildCmd(t, "hl7gate")
}

// buildCmd builds the binary cmd/name of this module into a temporary directory and returns its path.
func buildCmd(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	gobin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/hl7gate/hl7gate/cmd/"+name).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

// newEgressNet builds the namespaces and links, starts the station, the listeners that watch for leaks
// and hl7gate itself (rules not applied yet). Everything is removed at cleanup, also on failure.
func newEgressNet(t *testing.T, bin string, learn bool) *egressNet {
	t.Helper()
	return newEgressNetWith(t, bin, learn, "")
}

// newEgressNetWith is newEgressNet with more top-level configuration sections (YAML, appended), e.g. export.
func newEgressNetWith(t *testing.T, bin string, learn bool, extra string) *egressNet {
	t.Helper()
	n := &egressNet{
		mon: netns.New(t, "mon"), gw: netns.New(t, "gw"), st: netns.New(t, "st"), out: netns.New(t, "out"),
		seen: &sightings{}, logs: &syncBuffer{}, bin: bin,
	}
	netns.Link(t, n.mon, "m0", n.gw, "gmon")
	netns.Link(t, n.st, "s0", n.gw, "ghosp")
	netns.Link(t, n.out, "o0", n.gw, "gout")
	for _, a := range []struct {
		ns   *netns.NS
		dev  string
		addr netip.Addr
	}{
		{n.mon, "m0", monAddr}, {n.gw, "gmon", gwMonAddr}, {n.gw, "ghosp", gwHospAddr}, {n.gw, "gout", gwOutAddr},
		{n.st, "s0", stationAddr}, {n.out, "o0", remote119}, {n.out, "o0", remote120}, {n.out, "o0", remote50},
	} {
		a.ns.AddAddr(t, a.dev, netip.PrefixFrom(a.addr, 24))
	}
	n.mon.AddRoute(t, netip.MustParsePrefix("0.0.0.0/0"), gwMonAddr)
	n.st.AddRoute(t, netip.MustParsePrefix("0.0.0.0/0"), gwHospAddr)
	n.out.AddRoute(t, netip.MustParsePrefix("0.0.0.0/0"), gwOutAddr)
	n.gw.Sysctl(t, "net.ipv4.ip_forward", "1")

	n.station = &station{t: t, ln: n.st.Listen(t, "tcp", "198.51.100.10:2575"), beh: accept}
	n.station.wg.Add(1)
	go n.station.serve()
	t.Cleanup(n.station.close)

	// Where leaks would land: the outside host, the hospital side, the monitor (for inbound).
	for _, w := range []struct {
		ns      *netns.NS
		network string
		addr    string
	}{
		{n.out, "tcp", "203.0.113.119:515"}, {n.out, "tcp", "203.0.113.119:2049"}, {n.out, "tcp", "203.0.113.119:111"},
		{n.out, "tcp", "203.0.113.120:511"}, {n.st, "tcp", "198.51.100.10:22"}, {n.mon, "tcp", "192.0.2.10:4001"},
		{n.out, "udp", "203.0.113.119:53"}, {n.out, "udp", "203.0.113.119:2049"}, {n.out, "udp", "203.0.113.119:111"},
		{n.out, "udp", "203.0.113.119:9999"}, {n.out, "udp", "203.0.113.50:9999"}, {n.st, "udp", "198.51.100.10:9999"},
		{n.mon, "udp", "192.0.2.10:4000"},
	} {
		n.seen.watch(t, w.ns, w.network, w.addr)
	}
	n.seen.watch(t, n.out, "ip4:icmp", "outside")
	n.seen.watch(t, n.st, "ip4:icmp", "hospital")

	n.config = filepath.Join(t.TempDir(), "hl7gate.yaml")
	cfg := fmt.Sprintf(`
listeners:
  - {name: direct, address: "192.0.2.1:2575", allow_sources: ["192.0.2.0/24"]}
  - {name: intercept, address: "0.0.0.0:2576", mode: intercept, allow_sources: ["192.0.2.0/24"]}
stations:
  - {name: central, address: "198.51.100.10:2575", connections: 1, ack_timeout: 5s, capture: ["203.0.113.120:511"]}
routes:
  - {name: vitals, match: {message_types: ["ORU^R01"]}, stations: [central]}
admin: {address: "127.0.0.1:9102"}
egress:
  enabled: true
  learn: %t
  table: hl7gate_e2e
  monitor_interface: gmon
  hospital_interface: ghosp
  monitor_networks: ["192.0.2.0/24"]
  sinkhole: "0.0.0.0:2577"
  nflog_group: 7
  watchlist: ["203.0.113.119/32", "203.0.113.120/32"]
  summary_interval: 1s
  repair: false # the test proves the topology routes before it applies the rules
`, learn)
	if err := os.WriteFile(n.config, []byte(cfg+extra), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := n.gw.Command(context.Background(), bin, "serve", "--config", n.config)
	proc := serveHL7gate(t, cmd, n.logs)
	n.admin = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return n.gw.Dial(ctx, network, addr)
		},
	}}
	t.Cleanup(n.admin.CloseIdleConnections)
	// hl7gate logs "listening" for each listener once every socket, the admin endpoint's included, is
	// bound and served.
	const listeners = 2
	up := func() bool { return strings.Count(n.logs.String(), `"message":"listening"`) == listeners }
	if !n.logs.update.waitFor(10*time.Second, func() bool { return up() || proc.hasExited() }) || !up() {
		if proc.hasExited() {
			t.Fatalf("hl7gate exited: %v\n%s", proc.err, n.logs.String())
		}
		t.Fatalf("hl7gate not up:\n%s", n.logs.String())
	}
	return n
}

// apply installs the rules with `hl7gate firewall apply` inside the gateway namespace; cleanup removes them.
func (n *egressNet) apply(t *testing.T) {
	t.Helper()
	if out, err := n.gw.Command(t.Context(), n.bin, "firewall", "apply", "--config", n.config).CombinedOutput(); err != nil {
		t.Fatalf("hl7gate firewall apply: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := n.gw.Command(context.Background(), n.bin, "firewall", "remove", "--config", n.config).CombinedOutput(); err != nil {
			t.Errorf("hl7gate firewall remove: %v\n%s", err, out)
		}
	})
}

// sendHL7 connects from the monitor to dst, sends msg and returns the ACK's code and MSA-2.
func (n *egressNet) sendHL7(t *testing.T, dst string, msg []byte) (hl7.AckCode, string) {
	t.Helper()
	return parseAck(t, n.sendHL7Raw(t, dst, msg))
}

// sendHL7Raw connects from the monitor to dst, sends msg and returns the ACK frame.
func (n *egressNet) sendHL7Raw(t *testing.T, dst string, msg []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := n.mon.Dial(ctx, "tcp", dst)
	if err != nil {
		t.Fatalf("monitor dial %s: %v", dst, err)
	}
	defer c.Close()
	m := &monitor{c: c, r: mllp.NewReader(c, 0), w: mllp.NewWriter(c)}
	_, _, ack := m.mustAck(t, msg)
	return ack
}

// sendTCP connects from the monitor to dst and writes payload; the sinkhole must accept the connection and
// then close it without a byte of answer.
func (n *egressNet) sendTCP(t *testing.T, dst, payload string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := n.mon.Dial(ctx, "tcp", dst)
	if err != nil {
		t.Fatalf("monitor dial %s: %v (the sinkhole should have accepted it)", dst, err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, payload); err != nil {
		t.Fatalf("write to %s: %v", dst, err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(c); len(b) > 0 || os.IsTimeout(err) {
		t.Errorf("TCP to %s: got %q, %v; want the connection closed without an answer", dst, b, err)
	}
}

// sendUDP sends one datagram from src inside ns to dst.
func (n *egressNet) sendUDP(t *testing.T, ns *netns.NS, src netip.Addr, dst netip.AddrPort, payload string) {
	t.Helper()
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("udp4", src.String()+":0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.WriteTo([]byte(payload), net.UDPAddrFromAddrPort(dst)); err != nil {
		t.Fatalf("udp to %s: %v", dst, err)
	}
}

// sendICMP sends one ICMP echo request carrying payload from ns to dst.
func (n *egressNet) sendICMP(t *testing.T, ns *netns.NS, dst netip.Addr, payload string) {
	t.Helper()
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket("ip4:icmp", "0.0.0.0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	msg := append([]byte{8, 0, 0, 0, 0x12, 0x34, 0, 1}, payload...) // echo request, id 0x1234, seq 1
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	if _, err := pc.WriteTo(msg, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		t.Fatalf("icmp to %s: %v", dst, err)
	}
}

func icmpChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// dialFails tries a TCP connection from src in ns to dst, which must not get through.
func (n *egressNet) dialFails(t *testing.T, ns *netns.NS, src netip.Addr, dst netip.AddrPort) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	var c net.Conn
	err := ns.Do(func() (err error) {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0))}
		c, err = d.DialContext(ctx, "tcp", dst.String())
		return err
	})
	if err == nil {
		c.Close()
		t.Errorf("TCP from %s to %s got through", src, dst)
	}
}

// get fetches an admin path from inside the gateway namespace.
func (n *egressNet) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := n.admin.Get("http://127.0.0.1:9102" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return string(b)
}

// waitEgress waits until /api/egress holds every wanted pair (compared on monitor, source, destination,
// protocol, port, watchlist, looks_like_hl7, with a count of at least one) and returns all pairs. It
// looks again whenever hl7gate logs: a new pair is logged once it is recorded, or, past the log budget,
// counted in the next summary line.
func (n *egressNet) waitEgress(t *testing.T, want []store.Egress) []store.Egress {
	t.Helper()
	var got []store.Egress
	var missing []store.Egress
	complete := func() bool {
		got = nil
		if err := json.Unmarshal([]byte(n.get(t, "/api/egress")), &got); err != nil {
			t.Fatal(err)
		}
		missing = missing[:0]
		for _, w := range want {
			found := false
			for _, g := range got {
				found = found || g.Monitor == w.Monitor && g.Source == w.Source && g.Destination == w.Destination && g.Protocol == w.Protocol &&
					g.Port == w.Port && g.Watchlist == w.Watchlist && g.LooksLikeHL7 == w.LooksLikeHL7 && g.Count > 0 &&
					g.Severity == map[bool]string{true: "critical", false: "warning"}[w.Watchlist]
			}
			if !found {
				missing = append(missing, w)
			}
		}
		return len(missing) == 0
	}
	if n.logs.update.waitFor(10*time.Second, complete) {
		return got
	}
	t.Fatalf("egress attempts missing on /api/egress: %+v\ngot: %+v\nhl7gate output:\n%s", missing, got, n.logs.String())
	return nil
}

// noPayload checks that no payload byte the monitor sent shows up in hl7gate's admin output or logs.
func (n *egressNet) noPayload(t *testing.T) {
	t.Helper()
	var out strings.Builder
	for _, p := range []string{"/api/egress", "/api/events", "/api/monitors", "/metrics"} {
		out.WriteString(n.get(t, p))
	}
	out.WriteString(n.logs.String())
	for _, secret := range []string{egressMarker, "SECRETNAME", "MRN12345"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("payload %q leaked into hl7gate's admin output or logs", secret)
		}
	}
}

// sightings records what arrives on the listeners watching for leaks.
type sightings struct {
	mu     sync.Mutex
	got    []string
	update changes // bumped after every add
}

func (s *sightings) add(v string) {
	s.mu.Lock()
	s.got = append(s.got, v)
	s.mu.Unlock()
	s.update.bump()
}

func (s *sightings) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// wait waits until every entry of want has been seen.
func (s *sightings) wait(t *testing.T, want ...string) {
	t.Helper()
	arrived := func() bool {
		all := strings.Join(s.all(), "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				return false
			}
		}
		return true
	}
	if s.update.waitFor(5*time.Second, arrived) {
		return
	}
	t.Fatalf("never arrived: %q; seen: %q", want, s.all())
}

// watch listens in ns and records every TCP connection, UDP datagram or ICMP echo request that arrives
// ("ip4:icmp" listens for all ICMP, named addr). Cleanup closes it.
func (s *sightings) watch(t *testing.T, ns *netns.NS, network, addr string) {
	t.Helper()
	if network == "tcp" {
		ln := ns.Listen(t, "tcp", addr)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				s.add(fmt.Sprintf("tcp %s from %s", addr, c.RemoteAddr()))
				c.Close()
			}
		}()
		return
	}
	bind := addr
	if network == "ip4:icmp" {
		bind = "0.0.0.0"
	}
	var pc net.PacketConn
	if err := ns.Do(func() (err error) { pc, err = net.ListenPacket(network, bind); return err }); err != nil {
		t.Fatalf("watch %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			k, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			switch {
			case network != "ip4:icmp":
				s.add(fmt.Sprintf("udp %s: %s (from %s)", addr, buf[:k], from))
			case k >= 8 && buf[0] == 8: // echo request
				s.add(fmt.Sprintf("icmp %s: %s (from %s)", addr, buf[8:k], from))
			}
		}
	}()
}
