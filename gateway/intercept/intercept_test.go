//go:build linux

package intercept

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/gateway/firewall"
	"github.com/hl7gate/hl7gate/test/netns"
)

// TestOriginalDst installs the generated firewall ruleset in a gateway
// namespace and connects from a monitor namespace: intercepted, captured and
// sinkholed connections land on their listeners with their original
// destination, and a direct connection reports the local address.
func TestOriginalDst(t *testing.T) {
	netns.Require(t)
	seg := netns.NewSegment(t)
	mon, gw := seg.Mon, seg.GW

	spec := firewall.Spec{
		Table:         "hl7gate_test",
		MonitorIface:  "g0",
		HospitalIface: "h0",
		MonitorNets:   []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("fd00:1::/64")},
		Direct:        []netip.AddrPort{ap("198.51.100.1:2575"), ap("[fd00:1::1]:2575")},
		InterceptPort: 2576,
		SinkholePort:  2577,
		Intercept:     []netip.AddrPort{ap("203.0.113.10:2575"), ap("[fd00:2::10]:2575")},
		Capture:       []netip.AddrPort{ap("203.0.113.120:511"), ap("[fd00:3::120]:511")},
		Stations:      []netip.AddrPort{ap("203.0.113.10:2575"), ap("[fd00:2::10]:2575")},
		Watchlist:     []netip.Prefix{netip.MustParsePrefix("203.0.113.112/28")},
		LogGroup:      9,
	}
	if err := gw.Do(func() error { return firewall.Apply(t.Context(), spec) }); err != nil {
		t.Fatal(err)
	}
	listeners := map[string]net.Listener{
		"intercept": gw.Listen(t, "tcp", ":2576"),
		"sinkhole":  gw.Listen(t, "tcp", ":2577"),
		"direct4":   gw.Listen(t, "tcp", "198.51.100.1:2575"),
		"direct6":   gw.Listen(t, "tcp", "[fd00:1::1]:2575"),
	}

	for _, tc := range []struct {
		name, dial, listener, want string
	}{
		{"intercepted", "203.0.113.10:2575", "intercept", "203.0.113.10:2575"},
		{"captured", "203.0.113.120:511", "intercept", "203.0.113.120:511"},
		{"sinkholed", "203.0.113.99:515", "sinkhole", "203.0.113.99:515"},
		{"watchlisted", "203.0.113.119:515", "sinkhole", "203.0.113.119:515"},
		{"station port not intercepted", "203.0.113.10:2576", "sinkhole", "203.0.113.10:2576"},
		{"direct is not redirected", "198.51.100.1:2575", "direct4", "198.51.100.1:2575"},
		{"intercepted ipv6", "[fd00:2::10]:2575", "intercept", "[fd00:2::10]:2575"},
		{"captured ipv6", "[fd00:3::120]:511", "intercept", "[fd00:3::120]:511"},
		{"sinkholed ipv6", "[fd00:9::9]:2049", "sinkhole", "[fd00:9::9]:2049"},
		{"direct ipv6", "[fd00:1::1]:2575", "direct6", "[fd00:1::1]:2575"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			c, err := mon.Dial(ctx, "tcp", tc.dial)
			if err != nil {
				t.Fatalf("dial %s from monitor: %v", tc.dial, err)
			}
			defer c.Close()
			sc := acceptFrom(t, listeners[tc.listener], c.LocalAddr())
			defer sc.Close()
			got, err := OriginalDst(sc)
			if err != nil {
				t.Fatal(err)
			}
			if got != ap(tc.want) {
				t.Errorf("OriginalDst = %s, want %s", got, tc.want)
			}
			// Wrapped in TLS (not handshaken) it reads the same socket.
			if got, err := OriginalDst(tls.Server(sc, &tls.Config{})); err != nil || got != ap(tc.want) {
				t.Errorf("OriginalDst(tls) = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// TestOriginalDstNoConntrack: in a namespace without any NAT rule there is
// no conntrack entry, and OriginalDst reports the local address.
func TestOriginalDstNoConntrack(t *testing.T) {
	netns.Require(t)
	n := netns.New(t, "plain")
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(addr, func(t *testing.T) {
			ln := n.Listen(t, "tcp", addr)
			c, err := n.Dial(t.Context(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sc := acceptFrom(t, ln, c.LocalAddr())
			defer sc.Close()
			got, err := OriginalDst(sc)
			if want := ln.Addr().(*net.TCPAddr).AddrPort(); err != nil || got != want {
				t.Errorf("OriginalDst = %s, %v; want %s", got, err, want)
			}
		})
	}
}

func TestOriginalDstNotTCP(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := OriginalDst(a); err == nil {
		t.Error("OriginalDst(net.Pipe) returned no error")
	}
}

// acceptFrom accepts on ln until the connection from client arrives.
func acceptFrom(t *testing.T, ln net.Listener, client net.Addr) net.Conn {
	t.Helper()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	for {
		c, err := ln.Accept()
		if err != nil {
			t.Fatalf("accept on %s: %v", ln.Addr(), err)
		}
		if c.RemoteAddr().String() == client.String() {
			return c
		}
		c.Close()
	}
}

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
