//go:build linux

package nflog_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hl7gate/hl7gate/gateway/nflog"
	"github.com/hl7gate/hl7gate/test/netns"
)

// Packets sent from mon to gw are logged by gw's prerouting rule and read
// back from the NFLOG group in gw.
func TestReadRealPackets(t *testing.T) {
	netns.Require(t)
	seg := netns.NewSegment(t)
	mon, gw := seg.Mon, seg.GW
	gw.Nft(t, `table inet t {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		iifname "g0" meta l4proto { udp, icmp, tcp } log prefix "test-drop" group 5 drop
		iifname "g0" icmpv6 type echo-request log prefix "test-drop6" group 5 drop
	}
}
`)
	var ifindex int
	var c *nflog.Conn
	if err := gw.Do(func() error {
		i, err := net.InterfaceByName("g0")
		if err != nil {
			return err
		}
		ifindex = i.Index
		c, err = nflog.Open(5)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	secret := "PID|||123456^^^HOSP||DOE^JANE"
	for _, tc := range []struct {
		name string
		send func() error
		want nflog.Packet
	}{
		{"udp nfs", func() error { return sendUDP("198.51.100.1:2049", secret) },
			nflog.Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Src: addr("198.51.100.2"), Dst: addr("198.51.100.1"), DstPort: 2049, Prefix: "test-drop"}},
		{"udp routed dns", func() error { return sendUDP("203.0.113.53:53", secret) },
			nflog.Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Src: addr("198.51.100.2"), Dst: addr("203.0.113.53"), DstPort: 53, Prefix: "test-drop"}},
		{"tcp 515", func() error { return sendTCP("203.0.113.9:515") },
			nflog.Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Src: addr("198.51.100.2"), Dst: addr("203.0.113.9"), DstPort: 515, Prefix: "test-drop"}},
		{"icmp echo", func() error { return sendICMP("ip4:icmp", "198.51.100.1", 8) },
			nflog.Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_ICMP, Src: addr("198.51.100.2"), Dst: addr("198.51.100.1"), ICMPType: 8, HasICMP: true, Prefix: "test-drop"}},
		{"icmpv6 echo", func() error { return sendICMP("ip6:ipv6-icmp", "fd00:1::1", 128) },
			nflog.Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_ICMPV6, Src: addr("fd00:1::2"), Dst: addr("fd00:1::1"), ICMPType: 128, HasICMP: true, Prefix: "test-drop6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := mon.Do(tc.send); err != nil {
				t.Fatalf("send from mon: %v", err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			got, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.InIface = uint32(ifindex)
			if tc.want.Protocol == unix.IPPROTO_UDP || tc.want.Protocol == unix.IPPROTO_TCP {
				tc.want.SrcPort = got.SrcPort // ephemeral
				if got.SrcPort == 0 {
					t.Error("source port not parsed")
				}
			}
			if got != tc.want {
				t.Errorf("Read =\n%+v, want\n%+v", got, tc.want)
			}
			if s := fmt.Sprintf("%+v %#v", got, got); strings.Contains(s, "DOE") || strings.Contains(s, "123456") {
				t.Errorf("packet carries payload: %s", s)
			}
		})
	}

	t.Run("context ends read", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		if _, err := c.Read(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Read with nothing logged = %v, want DeadlineExceeded", err)
		}
		// The connection still works afterwards.
		if err := mon.Do(func() error { return sendUDP("198.51.100.1:111", "x") }); err != nil {
			t.Fatal(err)
		}
		ctx, cancel = context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if p, err := c.Read(ctx); err != nil || p.DstPort != 111 {
			t.Fatalf("Read after a timeout = %+v, %v; want portmap packet", p, err)
		}
	})

	t.Run("group bound once", func(t *testing.T) {
		err := gw.Do(func() error {
			c2, err := nflog.Open(5)
			if err == nil {
				c2.Close()
			}
			return err
		})
		if err == nil {
			t.Error("second Open of a bound group succeeded")
		}
	})

	t.Run("close ends read", func(t *testing.T) {
		var c3 *nflog.Conn
		if err := gw.Do(func() (err error) { c3, err = nflog.Open(6); return err }); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() {
			_, err := c3.Read(context.Background())
			errc <- err
		}()
		time.Sleep(10 * time.Millisecond) // let Read block; the result does not depend on it
		c3.Close()
		select {
		case err := <-errc:
			if err == nil {
				t.Error("Read on a closed Conn returned no error")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not end a blocked Read")
		}
	})
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func sendUDP(to, payload string) error {
	c, err := net.Dial("udp", to)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte(payload))
	return err
}

// sendTCP starts a connection the rule drops; only its SYN is sent.
func sendTCP(to string) error {
	d := net.Dialer{Timeout: 50 * time.Millisecond}
	if c, err := d.Dial("tcp", to); err == nil {
		c.Close()
		return errors.New("connection to a dropped destination succeeded")
	}
	return nil
}

// sendICMP sends an echo request of the given type (8 for ICMP, 128 for
// ICMPv6; the kernel computes the ICMPv6 checksum).
func sendICMP(network, to string, typ byte) error {
	c, err := net.ListenPacket(network, "")
	if err != nil {
		return err
	}
	defer c.Close()
	msg := []byte{typ, 0, 0, 0, 0x12, 0x34, 0, 1}
	if typ == 8 {
		sum := uint32(0)
		for i := 0; i < len(msg); i += 2 {
			sum += uint32(msg[i])<<8 | uint32(msg[i+1])
		}
		sum = (sum >> 16) + (sum & 0xffff)
		cs := ^uint16(sum)
		msg[2], msg[3] = byte(cs>>8), byte(cs)
	}
	ip, err := net.ResolveIPAddr(network, to)
	if err != nil {
		return err
	}
	_, err = c.WriteTo(msg, ip)
	return err
}
