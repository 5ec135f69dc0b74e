//go:build linux

package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hl7gate/hl7gate/gateway/store"
	"github.com/hl7gate/hl7gate/test/netns"
	"github.com/hl7gate/hl7gate/test/testkit"
)

// What the egress records say, against what the kernel did: in learning mode one attempt per new flow and
// no reply taken for an inbound attempt; inbound traffic exported from its sender; the verdict of the rules
// in force whatever egress.learn the gateway runs with; the gateway host's own link housekeeping not taken
// for a monitor's attempt. Same topology as TestEgressContainment.

// TestEgressLearningCounts: in learning mode each flow the monitor opens is one attempt, toward the outside
// (routed) and toward the gateway host alike: a datagram, a SYN answered by a reset, an echo request
// answered, a datagram answered by ICMP port unreachable, a 200 kB download. None of the replies (the
// reset, the ICMP error, the echo reply, the download's data) is recorded, so no inbound pair appears.
func TestEgressLearningCounts(t *testing.T) {
	netns.Require(t)
	n := newEgressNet(t, buildHL7gate(t), true)
	n.apply(t)
	const size = 200 << 10
	n.serveBlob(t, "203.0.113.50:8080", size)

	n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9999), "one datagram")
	n.seen.wait(t, "udp 203.0.113.50:9999: one datagram")
	n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9), "to a closed port") // ICMP port unreachable back
	n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(gwMonAddr, 9999), "to the host")  // the same, from the host
	n.sendICMP(t, n.mon, remote50, "ping")                                            // echo reply back
	n.sendICMP(t, n.mon, gwMonAddr, "ping the host")
	n.dialRefused(t, "203.0.113.50:7") // one SYN, a reset back
	if got := n.download(t, "203.0.113.50:8080"); got != size {
		t.Fatalf("downloaded %d bytes, want %d (learning mode lets it through)", got, size)
	}
	// Recorded after everything above: the NFLOG reader takes the records in order, so once this pair is on
	// /api/egress every record of the packets before it has been counted.
	n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9000), "last")
	want := []store.Egress{
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9999},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9},
		{Monitor: "192.0.2.10", Destination: "192.0.2.1", Protocol: "udp", Port: 9999},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "icmp"},
		{Monitor: "192.0.2.10", Destination: "192.0.2.1", Protocol: "icmp"},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "tcp", Port: 7},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "tcp", Port: 8080},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9000},
	}
	got := n.waitEgress(t, want)
	for _, g := range got {
		if g.Count != 1 {
			t.Errorf("%s %s port %d: count %d, want 1 (one flow)", g.Protocol, g.Destination, g.Port, g.Count)
		}
		if strings.HasPrefix(g.Protocol, "inbound-") {
			t.Errorf("a reply recorded as an inbound attempt: %+v", g)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d pairs, want %d: %+v", len(got), len(want), got)
	}
	if evs := n.get(t, "/api/events?kind=egress"); !strings.Contains(evs, "allowed (learning mode): tcp to 203.0.113.50 port 8080") {
		t.Errorf("learning-mode event of the download missing:\n%s", evs)
	}
}

// TestEgressVerdictFollowsRules: egress.learn changes by reload, and the rules change when they are
// applied, before or after the reload. Each record says what the rules in force did with its packet.
func TestEgressVerdictFollowsRules(t *testing.T) {
	netns.Require(t)
	bin := buildHL7gate(t)
	t.Run("learn to enforce", func(t *testing.T) {
		n := newEgressNet(t, bin, true)
		n.apply(t)
		n.seen.watch(t, n.out, "udp", "203.0.113.50:9001")
		n.seen.watch(t, n.out, "udp", "203.0.113.50:9002")
		n.setLearn(t, false)
		n.reload(t)
		// The gateway runs the enforcing configuration; the learning rules are still in force.
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9001), "before apply")
		n.seen.wait(t, "udp 203.0.113.50:9001: before apply")
		n.waitEvent(t, "allowed (learning mode): udp to 203.0.113.50 port 9001")
		n.reapply(t)
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9002), "after apply")
		n.waitEvent(t, "blocked: udp to 203.0.113.50 port 9002")
		for _, s := range n.seen.all() {
			if strings.Contains(s, "9002") {
				t.Errorf("got past the enforcing rules: %s", s)
			}
		}
	})
	t.Run("enforce to learn", func(t *testing.T) {
		n := newEgressNet(t, bin, false)
		n.apply(t)
		n.seen.watch(t, n.out, "udp", "203.0.113.50:9003")
		n.seen.watch(t, n.out, "udp", "203.0.113.50:9004")
		n.setLearn(t, true)
		n.reapply(t) // the documented order: the rules first, then the gateway
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9003), "before reload")
		n.seen.wait(t, "udp 203.0.113.50:9003: before reload")
		n.waitEvent(t, "allowed (learning mode): udp to 203.0.113.50 port 9003")
		n.reload(t)
		n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9004), "after reload")
		n.seen.wait(t, "udp 203.0.113.50:9004: after reload")
		n.waitEvent(t, "allowed (learning mode): udp to 203.0.113.50 port 9004")
		if evs := n.get(t, "/api/events?kind=egress"); strings.Contains(evs, "blocked: udp to 203.0.113.50 port 900") {
			t.Errorf("traffic that got out recorded as blocked:\n%s", evs)
		}
	})
}

// TestEgressInboundExport: an outside host probes the monitor, enforcing. The SOC's CEF line (a syslog
// receiver in the gateway's namespace) and /api/egress name the prober as the source and the monitor and
// its port as the destination; the pair is the monitor's.
func TestEgressInboundExport(t *testing.T) {
	netns.Require(t)
	n := newEgressNetWith(t, buildHL7gate(t), false, `
export:
  syslog:
    - {name: soc, address: "127.0.0.1:1514", transport: tcp, min_backoff: 10ms, max_backoff: 100ms}
`)
	soc := newSyslogSink(t, n.gw.Listen(t, "tcp", "127.0.0.1:1514"))
	n.apply(t)
	n.sendUDP(t, n.out, remote119, netip.AddrPortFrom(monAddr, 4000), egressMarker)
	n.dialFails(t, n.out, remote119, netip.AddrPortFrom(monAddr, 4001))
	n.waitEgress(t, []store.Egress{
		{Monitor: "192.0.2.10", Source: "203.0.113.119", Destination: "192.0.2.10", Protocol: "inbound-udp", Port: 4000, Watchlist: true},
		{Monitor: "192.0.2.10", Source: "203.0.113.119", Destination: "192.0.2.10", Protocol: "inbound-tcp", Port: 4001, Watchlist: true},
	})
	for _, tc := range []struct{ proto, dpt string }{{"INBOUND-UDP", "4000"}, {"INBOUND-TCP", "4001"}} {
		ext := soc.waitCEF(t, "egress_attempt", "proto="+tc.proto)
		for k, want := range map[string]string{"act": "blocked", "src": "203.0.113.119", "dst": "192.0.2.10", "dpt": tc.dpt} {
			if ext[k] != want {
				t.Errorf("%s: %s=%q, want %q (%v)", tc.proto, k, ext[k], want, ext)
			}
		}
		if spt, ok := ext["spt"]; ok {
			t.Errorf("%s: spt=%s, want none (the monitor's port is dpt)", tc.proto, spt)
		}
	}
}

// TestEgressHousekeeping: the gateway host's own router solicitations, MLD reports and IGMP reports on
// both legs, and the monitor segment's switch's MLD report from :: and IGMP report from 0.0.0.0, are no
// monitor's attempts: not recorded, only counted by the rules (dropped enforcing, let through learning, as
// before). IPv6 neighbour discovery is accepted as before: an IPv6 monitor and the gateway resolve each
// other across the monitor leg.
func TestEgressHousekeeping(t *testing.T) {
	netns.Require(t)
	bin := buildHL7gate(t)
	for _, learn := range []bool{false, true} {
		t.Run(fmt.Sprintf("learn=%t", learn), func(t *testing.T) {
			n := newEgressNet(t, bin, learn)
			n.apply(t)
			rs := []byte{133, 0, 0, 0, 0, 0, 0, 0}    // router solicitation
			mld := []byte{143, 0, 0, 0, 0, 0, 0, 0}   // MLDv2 report, no records
			igmp := []byte{0x22, 0, 0, 0, 0, 0, 0, 0} // IGMPv3 report, no records
			for _, leg := range []string{"gmon", "ghosp"} {
				testkit.WaitFor(t, "the link-local address of "+leg+" past duplicate address detection", func() bool {
					out := n.gw.IP(t, "-6", "addr", "show", "dev", leg, "scope", "link")
					return strings.Contains(out, "fe80:") && !strings.Contains(out, "tentative")
				})
				hostSend(t, n.gw, "ip6:ipv6-icmp", leg, "ff02::2", 255, rs)
				hostSend(t, n.gw, "ip6:ipv6-icmp", leg, "ff02::16", 1, mld)
				hostSend(t, n.gw, "ip4:2", leg, "224.0.0.22", 1, igmp)
			}
			// The switch, before it has an address.
			sendFrame(t, n.mon, "m0", unix.ETH_P_IPV6, [6]byte{0x33, 0x33, 0, 0, 0, 0x16},
				ipv6Packet(netip.IPv6Unspecified(), netip.MustParseAddr("ff02::16"), 58, 1, mld))
			sendFrame(t, n.mon, "m0", unix.ETH_P_IP, [6]byte{0x01, 0, 0x5e, 0, 0, 0x16},
				ipv4Packet(netip.IPv4Unspecified(), netip.MustParseAddr("224.0.0.22"), 2, 1, igmp))
			// Neighbour discovery still works across the monitor leg: an IPv6 monitor resolves the gateway's
			// address (its datagram is an attempt, dropped or let through), and the gateway learns the monitor's.
			n.mon.AddAddr(t, "m0", netip.MustParsePrefix("fd00:1::10/64"))
			n.gw.AddAddr(t, "gmon", netip.MustParsePrefix("fd00:1::1/64"))
			testkit.WaitFor(t, "the IPv6 monitor resolving the gateway", func() bool {
				if strings.Contains(n.mon.IP(t, "-6", "addr", "show", "dev", "m0")+n.gw.IP(t, "-6", "addr", "show", "dev", "gmon"), "tentative") {
					return false
				}
				n.sendUDP6(t, netip.MustParseAddrPort("[fd00:1::1]:9"))
				out := n.mon.IP(t, "-6", "neigh", "show", "fd00:1::1", "dev", "m0")
				return strings.Contains(out, "lladdr") && !strings.Contains(out, "FAILED")
			})
			if out := n.gw.IP(t, "-6", "neigh", "show", "fd00:1::10", "dev", "gmon"); !strings.Contains(out, "lladdr") {
				t.Errorf("the gateway did not learn the IPv6 monitor's address: %q", out)
			}
			n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9000), "after them") // recorded after them (NFLOG is in order)
			got := n.waitEgress(t, []store.Egress{{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9000}})
			for _, g := range got {
				if g.Monitor != "192.0.2.10" && g.Monitor != "fd00:1::10" { // the IPv6 monitor's datagrams above are attempts
					t.Errorf("housekeeping recorded as an attempt: %+v", g)
				}
			}
			// The packets met the rules: each housekeeping rule counted them.
			out, err := n.gw.Command(t.Context(), "nft", "list", "chain", "inet", "hl7gate_e2e", "housekeeping").CombinedOutput()
			if err != nil {
				t.Fatalf("nft list chain: %v\n%s", err, out)
			}
			for what, min := range map[string]int{"nd-router-solicit": 2, "mld2-listener-report": 3, "igmp": 3} {
				m := regexp.MustCompile(what + `.* counter packets (\d+)`).FindStringSubmatch(string(out))
				if m == nil {
					t.Errorf("no %s rule:\n%s", what, out)
					continue
				}
				if c, _ := strconv.Atoi(m[1]); c < min {
					t.Errorf("%s rule counted %d packets, want at least %d:\n%s", what, c, min, out)
				}
			}
		})
	}
}

// sendUDP6 sends one datagram from the IPv6 monitor (fd00:1::10) to dst.
func (n *egressNet) sendUDP6(t *testing.T, dst netip.AddrPort) {
	t.Helper()
	var pc net.PacketConn
	if err := n.mon.Do(func() (err error) { pc, err = net.ListenPacket("udp6", "[fd00:1::10]:0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.WriteTo([]byte("nd"), net.UDPAddrFromAddrPort(dst)); err != nil {
		t.Fatalf("udp to %s: %v", dst, err)
	}
}

// serveBlob serves size bytes to every TCP connection at addr in the outside namespace.
func (n *egressNet) serveBlob(t *testing.T, addr string, size int) {
	t.Helper()
	ln := n.out.Listen(t, "tcp", addr)
	blob := make([]byte, size)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write(blob)
			c.Close()
		}
	}()
}

// download connects from the monitor to dst and reads until the server closes; it returns the bytes read.
func (n *egressNet) download(t *testing.T, dst string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := n.mon.Dial(ctx, "tcp", dst)
	if err != nil {
		t.Fatalf("monitor dial %s: %v", dst, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	k, err := io.Copy(io.Discard, c)
	if err != nil {
		t.Fatalf("download from %s: %v", dst, err)
	}
	return int(k)
}

// dialRefused connects from the monitor to dst, where nothing listens: one SYN, answered by a reset.
func (n *egressNet) dialRefused(t *testing.T, dst string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := n.mon.Dial(ctx, "tcp", dst)
	if err == nil {
		c.Close()
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("monitor dial %s: %v, want connection refused", dst, err)
	}
}

// setLearn rewrites the configuration file with egress.learn set to learn.
func (n *egressNet) setLearn(t *testing.T, learn bool) {
	t.Helper()
	b, err := os.ReadFile(n.config)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), fmt.Sprintf("learn: %t", !learn), fmt.Sprintf("learn: %t", learn), 1)
	if err := os.WriteFile(n.config, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// reload has the running gateway re-read its configuration (POST /api/reload, as SIGHUP does).
func (n *egressNet) reload(t *testing.T) {
	t.Helper()
	resp, err := n.admin.Post("http://127.0.0.1:9102/api/reload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"reloaded": true`) {
		t.Fatalf("reload: %d %s", resp.StatusCode, b)
	}
}

// reapply installs the rules of the configuration file as it is now (apply registered their removal).
func (n *egressNet) reapply(t *testing.T) {
	t.Helper()
	if out, err := n.gw.Command(t.Context(), n.bin, "firewall", "apply", "--config", n.config).CombinedOutput(); err != nil {
		t.Fatalf("hl7gate firewall apply: %v\n%s", err, out)
	}
}

// waitEvent waits until an egress event's reason contains want.
func (n *egressNet) waitEvent(t *testing.T, want string) {
	t.Helper()
	if !n.logs.update.waitFor(10*time.Second, func() bool { return strings.Contains(n.get(t, "/api/events?kind=egress"), want) }) {
		t.Fatalf("no egress event %q:\n%s", want, n.get(t, "/api/events?kind=egress"))
	}
}

// hostSend sends msg from the gateway host itself (a raw IP socket in ns: through the output hook, as the
// kernel's own) to the multicast group on dev, with the given hop limit or TTL. A drop by the rules (EPERM
// on output) is no error.
func hostSend(t *testing.T, ns *netns.NS, network, dev, group string, hops int, msg []byte) {
	t.Helper()
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		pc, err := net.ListenPacket(network, map[bool]string{true: "::", false: "0.0.0.0"}[strings.HasPrefix(network, "ip6")])
		if err != nil {
			return err
		}
		defer pc.Close()
		rc, err := pc.(*net.IPConn).SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		if err := rc.Control(func(fd uintptr) {
			if strings.HasPrefix(network, "ip6") {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, hops)
				return
			}
			serr = errors.Join(unix.SetsockoptIPMreqn(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifi.Index)}),
				unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, hops))
		}); err != nil || serr != nil {
			return errors.Join(err, serr)
		}
		dst := &net.IPAddr{IP: net.ParseIP(group)}
		if strings.HasPrefix(network, "ip6") {
			dst.Zone = dev
		}
		if strings.HasPrefix(network, "ip4") {
			msg = append([]byte(nil), msg...)
			putChecksum(msg, 2, msg)
		}
		if _, err = pc.WriteTo(msg, dst); errors.Is(err, syscall.EPERM) {
			return nil // dropped on output by the rules (enforce mode)
		}
		return err
	})
	if err != nil {
		t.Fatalf("host %s to %s on %s: %v", network, group, dev, err)
	}
}

// sendFrame sends an IP packet in a link-layer frame to dstMAC on dev in ns (a packet socket: as a device on
// the segment would, whatever its addresses).
func sendFrame(t *testing.T, ns *netns.NS, dev string, ethType int, dstMAC [6]byte, pkt []byte) {
	t.Helper()
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		proto := int(htons(uint16(ethType)))
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, proto)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		sa := &unix.SockaddrLinklayer{Protocol: htons(uint16(ethType)), Ifindex: ifi.Index, Halen: 6}
		copy(sa.Addr[:], dstMAC[:])
		return unix.Sendto(fd, pkt, 0, sa)
	})
	if err != nil {
		t.Fatalf("frame on %s: %v", dev, err)
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// ipv4Packet is an IPv4 packet from src to dst with protocol proto, TTL ttl and payload (its checksum set).
func ipv4Packet(src, dst netip.Addr, proto, ttl byte, payload []byte) []byte {
	h := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, ttl, proto, 0, 0}
	h[2], h[3] = byte((20+len(payload))>>8), byte(20+len(payload))
	h = append(append(h, src.AsSlice()...), dst.AsSlice()...)
	putChecksum(h, 10, h)
	p := append([]byte(nil), payload...)
	putChecksum(p, 2, p)
	return append(h, p...)
}

// ipv6Packet is an IPv6 packet from src to dst with next header next (ICMPv6: its checksum set), hop limit
// hops and payload.
func ipv6Packet(src, dst netip.Addr, next, hops byte, payload []byte) []byte {
	h := []byte{0x60, 0, 0, 0, byte(len(payload) >> 8), byte(len(payload)), next, hops}
	h = append(append(h, src.AsSlice()...), dst.AsSlice()...)
	p := append([]byte(nil), payload...)
	pseudo := append(append(append([]byte(nil), h[8:40]...), 0, 0, byte(len(p)>>8), byte(len(p)), 0, 0, 0, next), p...)
	putChecksum(p, 2, pseudo)
	return append(h, p...)
}

// putChecksum writes the internet checksum of over into b at off (the field zero in over).
func putChecksum(b []byte, off int, over []byte) {
	c := icmpChecksum(over)
	b[off], b[off+1] = byte(c>>8), byte(c)
}

// TestEgressLearningNoRouting: learning mode on a host that does not route (the deployment the guide
// describes: ip_forward off), and on one that does. What the monitor tries beyond the host (a datagram, a
// TCP connection to an unlisted HL7 port) and a new flow from outside toward the monitor are recorded once
// each either way: the inventory learning mode is for may not depend on the host's routing. Without
// routing none of it arrives anywhere.
func TestEgressLearningNoRouting(t *testing.T) {
	netns.Require(t)
	bin := buildHL7gate(t)
	for _, routes := range []bool{false, true} {
		t.Run(fmt.Sprintf("ip_forward=%t", routes), func(t *testing.T) {
			n := newEgressNet(t, bin, true)
			if !routes {
				n.gw.Sysctl(t, "net.ipv4.ip_forward", "0")
			}
			n.apply(t)
			n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9999), "beyond the host")
			n.sendUDP(t, n.out, remote119, netip.AddrPortFrom(monAddr, 4000), "toward the monitor")
			// One SYN: the dial ends before the first retransmission (1 s), which conntrack would count
			// as new again while nothing answers.
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			if c, err := n.mon.Dial(ctx, "tcp", "203.0.113.50:2575"); err == nil {
				c.Close()
			}
			cancel()
			n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(gwMonAddr, 9000), "last") // to the host: input logs it
			want := []store.Egress{
				{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9999},
				{Monitor: "192.0.2.10", Source: "203.0.113.119", Destination: "192.0.2.10", Protocol: "inbound-udp", Port: 4000, Watchlist: true},
				{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "tcp", Port: 2575},
				{Monitor: "192.0.2.10", Destination: "192.0.2.1", Protocol: "udp", Port: 9000},
			}
			got := n.waitEgress(t, want)
			for _, g := range got {
				if g.Count != 1 {
					t.Errorf("%s %s port %d: count %d, want 1 (one flow)", g.Protocol, g.Destination, g.Port, g.Count)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d pairs, want %d: %+v", len(got), len(want), got)
			}
			if seen := n.seen.all(); !routes && len(seen) > 0 {
				t.Errorf("the host does not route, yet arrived: %q", seen)
			}
		})
	}
}

// TestEgressHousekeepingShapes: what a hostile monitor can shape like housekeeping, enforcing. Router
// solicitations, MLD and IGMP with data in them, to their multicast groups with the hop limit or TTL their
// protocols require, are dropped and only counted (not recorded: an attacker can send them unrecorded, and
// they go nowhere); the same types to a unicast address or with another hop limit or TTL are recorded as
// attempts. None of them, nor anything else, reaches the outside or the hospital side, IPv6 forwarding on.
func TestEgressHousekeepingShapes(t *testing.T) {
	netns.Require(t)
	n := newEgressNet(t, buildHL7gate(t), false)
	n.gw.Sysctl(t, "net.ipv6.conf.all.forwarding", "1") // so that only the rules stand between them and the outside
	for _, a := range []struct {
		ns  *netns.NS
		dev string
		p   string
	}{{n.mon, "m0", "fd00:1::10/64"}, {n.gw, "gmon", "fd00:1::1/64"}, {n.gw, "gout", "fd00:3::1/64"}, {n.out, "o0", "fd00:3::50/64"},
		{n.gw, "ghosp", "fd00:2::1/64"}, {n.st, "s0", "fd00:2::10/64"}} {
		a.ns.IP(t, "addr", "add", a.p, "dev", a.dev, "nodad")
	}
	n.mon.IP(t, "-6", "route", "add", "default", "via", "fd00:1::1")
	n.out.IP(t, "-6", "route", "add", "default", "via", "fd00:3::1")
	n.st.IP(t, "-6", "route", "add", "default", "via", "fd00:2::1")
	leaks := &sightings{}
	captureMarked(t, n.out, "o0", leaks)
	captureMarked(t, n.st, "s0", leaks)
	n.apply(t)

	data := []byte(strings.Repeat(egressMarker+" ", 50))
	rs := append([]byte{133, 0, 0, 0, 0, 0, 0, 0}, data...)
	mld := append([]byte{143, 0, 0, 0, 0, 0, 0, 0}, data...)
	igmp := append([]byte{0x22, 0, 0, 0, 0, 0, 0, 0}, data...)
	var gwMAC [6]byte
	if err := n.gw.Do(func() error {
		ifi, err := net.InterfaceByName("gmon")
		if err == nil {
			copy(gwMAC[:], ifi.HardwareAddr)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	mc6 := func(g netip.Addr) [6]byte { b := g.As16(); return [6]byte{0x33, 0x33, b[12], b[13], b[14], b[15]} }
	mc4 := func(g netip.Addr) [6]byte { b := g.As4(); return [6]byte{1, 0, 0x5e, b[1] & 0x7f, b[2], b[3]} }
	ll, mon6, out6 := a("fe80::10"), a("fd00:1::10"), a("fd00:3::50")
	for _, p := range []struct {
		v6   bool
		mac  [6]byte
		pkt  []byte
		kept bool // recorded as an attempt
	}{
		{true, mc6(a("ff02::2")), ipv6Packet(ll, a("ff02::2"), 58, 255, rs), false},
		{true, mc6(a("ff02::16")), ipv6Packet(ll, a("ff02::16"), 58, 1, mld), false},
		{true, mc6(a("ff0e::1:2")), ipv6Packet(mon6, a("ff0e::1:2"), 58, 1, mld), false}, // global scope, hop limit 1: goes nowhere
		{false, mc4(a("224.0.0.22")), ipv4Packet(monAddr, a("224.0.0.22"), 2, 1, igmp), false},
		{false, mc4(a("239.1.2.3")), ipv4Packet(remote50, a("239.1.2.3"), 2, 1, igmp), false}, // any source
		{true, gwMAC, ipv6Packet(mon6, out6, 58, 255, rs), true},
		{true, gwMAC, ipv6Packet(mon6, out6, 58, 1, mld), true},
		{true, mc6(a("ff0e::1:2")), ipv6Packet(mon6, a("ff0e::1:3"), 58, 64, mld), true},
		{false, gwMAC, ipv4Packet(monAddr, remote50, 2, 1, igmp), true},
		{false, gwMAC, ipv4Packet(monAddr, remote119, 2, 64, igmp), true},
		{false, mc4(a("239.1.2.4")), ipv4Packet(monAddr, a("239.1.2.4"), 2, 64, igmp), true},
	} {
		typ := unix.ETH_P_IP
		if p.v6 {
			typ = unix.ETH_P_IPV6
		}
		sendFrame(t, n.mon, "m0", typ, p.mac, p.pkt)
	}
	n.sendUDP(t, n.mon, monAddr, netip.AddrPortFrom(remote50, 9000), "after them") // recorded after them (NFLOG is in order)
	got := n.waitEgress(t, []store.Egress{
		{Monitor: "fd00:1::10", Destination: "fd00:3::50", Protocol: "icmpv6"},
		{Monitor: "fd00:1::10", Destination: "ff0e::1:3", Protocol: "icmpv6"},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "ip-2"},
		{Monitor: "192.0.2.10", Destination: "203.0.113.119", Protocol: "ip-2", Watchlist: true},
		{Monitor: "192.0.2.10", Destination: "239.1.2.4", Protocol: "ip-2"},
		{Monitor: "192.0.2.10", Destination: "203.0.113.50", Protocol: "udp", Port: 9000},
	})
	for _, g := range got {
		if g.Monitor == "fe80::10" || g.Monitor == remote50.String() || slices.Contains([]string{"ff02::2", "ff02::16", "ff0e::1:2", "224.0.0.22", "239.1.2.3"}, g.Destination) {
			t.Errorf("housekeeping recorded: %+v", g)
		}
	}
	if seen := leaks.all(); len(seen) > 0 {
		t.Errorf("got past the enforcing rules: %q", seen)
	}
}

// captureMarked adds to s every frame on dev in ns that carries egressMarker (a packet socket: whatever
// its protocol or destination). Cleanup stops the reader, which closes the socket.
func captureMarked(t *testing.T, ns *netns.NS, dev string, s *sightings) {
	t.Helper()
	var fd int
	if err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(htons(unix.ETH_P_ALL))); err != nil {
			return err
		}
		// A bounded wait per read, so that the reader sees the stop (a close would not wake it).
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100_000}); err != nil {
			unix.Close(fd)
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	}); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		defer unix.Close(fd)
		buf := make([]byte, 65536)
		for {
			select {
			case <-stop:
				return
			default:
			}
			k, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				continue // the read timeout, or a frame lost: look at stop again
			}
			if strings.Contains(string(buf[:k]), egressMarker) {
				s.add(fmt.Sprintf("%s: %x", dev, buf[:min(k, 40)]))
			}
		}
	}()
}
