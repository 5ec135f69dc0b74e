//go:build linux

package nflog

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// message builds an NFLOG packet message body as the kernel does.
func message(t testing.TB, prefix string, in, out uint32, payload []byte) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	ae.ByteOrder = binary.BigEndian
	ae.Bytes(1, []byte{0x08, 0x00, 1}) // NFULA_PACKET_HDR, ignored
	if in != 0 {
		ae.Uint32(attrIfIndexInDev, in)
	}
	if out != 0 {
		ae.Uint32(attrIfIndexOutDev, out)
	}
	if prefix != "" {
		ae.String(attrPrefix, prefix)
	}
	ae.Bytes(attrPayload, payload)
	b, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{unix.AF_INET, 0, 0, 7}, b...)
}

// ipv4 returns an IPv4 header (optionally with 4 bytes of options) for
// proto, followed by l4.
func ipv4(proto uint8, fragOff uint16, options bool, l4 ...byte) []byte {
	h := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 198, 51, 100, 2, 202, 114, 4, 119}
	if options {
		h[0] = 0x46
		h = append(h, 1, 1, 1, 1)
	}
	binary.BigEndian.PutUint16(h[6:8], fragOff)
	return append(h, l4...)
}

// ipv6 returns an IPv6 header with next header next, followed by rest.
func ipv6(next uint8, rest ...byte) []byte {
	h := make([]byte, 40)
	h[0], h[6], h[7] = 0x60, next, 64
	copy(h[8:24], netip.MustParseAddr("fd00:1::2").AsSlice())
	copy(h[24:40], netip.MustParseAddr("fd00:bad::1").AsSlice())
	return append(h, rest...)
}

var (
	mon4   = netip.MustParseAddr("198.51.100.2")
	watch4 = netip.MustParseAddr("202.114.4.119")
	mon6   = netip.MustParseAddr("fd00:1::2")
	watch6 = netip.MustParseAddr("fd00:bad::1")
	ports  = []byte{0x04, 0x00, 0x08, 0x01} // 1024 -> 2049
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
		want    Packet
	}{
		{"udp", ipv4(unix.IPPROTO_UDP, 0, false, append(ports, 0, 8, 0, 0, 'P', 'I', 'D')...),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Src: mon4, Dst: watch4, SrcPort: 1024, DstPort: 2049}},
		{"tcp with ip options", ipv4(unix.IPPROTO_TCP, 0, true, ports...),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_TCP, Src: mon4, Dst: watch4, SrcPort: 1024, DstPort: 2049}},
		{"icmp echo", ipv4(unix.IPPROTO_ICMP, 0, false, 8, 0, 0, 0),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_ICMP, Src: mon4, Dst: watch4, ICMPType: 8, HasICMP: true}},
		{"non-first fragment has no ports", ipv4(unix.IPPROTO_UDP, 185, false, ports...),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Src: mon4, Dst: watch4}},
		{"first fragment has ports", ipv4(unix.IPPROTO_UDP, 0x2000, false, ports...),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Src: mon4, Dst: watch4, SrcPort: 1024, DstPort: 2049}},
		{"ports cut off by copy range", ipv4(unix.IPPROTO_UDP, 0, false, 4, 0),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_UDP, Src: mon4, Dst: watch4}},
		{"other protocol", ipv4(unix.IPPROTO_GRE, 0, false, ports...),
			Packet{Family: unix.AF_INET, Protocol: unix.IPPROTO_GRE, Src: mon4, Dst: watch4}},
		{"ipv6 udp", ipv6(unix.IPPROTO_UDP, ports...),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_UDP, Src: mon6, Dst: watch6, SrcPort: 1024, DstPort: 2049}},
		{"ipv6 icmpv6", ipv6(unix.IPPROTO_ICMPV6, 128, 0),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_ICMPV6, Src: mon6, Dst: watch6, ICMPType: 128, HasICMP: true}},
		{"ipv6 icmp number is not icmpv6", ipv6(unix.IPPROTO_ICMP, 128, 0),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_ICMP, Src: mon6, Dst: watch6}},
		{"ipv6 hop-by-hop then tcp", ipv6(unix.IPPROTO_HOPOPTS, append([]byte{unix.IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0}, ports...)...),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_TCP, Src: mon6, Dst: watch6, SrcPort: 1024, DstPort: 2049}},
		{"ipv6 first fragment then udp", ipv6(unix.IPPROTO_FRAGMENT, append([]byte{unix.IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 1}, ports...)...),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_UDP, Src: mon6, Dst: watch6, SrcPort: 1024, DstPort: 2049}},
		{"ipv6 later fragment", ipv6(unix.IPPROTO_FRAGMENT, append([]byte{unix.IPPROTO_UDP, 0, 0, 0x10, 0, 0, 0, 1}, ports...)...),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_UDP, Src: mon6, Dst: watch6}},
		{"ipv6 extension cut off", ipv6(unix.IPPROTO_DSTOPTS, unix.IPPROTO_TCP, 3),
			Packet{Family: unix.AF_INET6, Protocol: unix.IPPROTO_DSTOPTS, Src: mon6, Dst: watch6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Prefix, tc.want.InIface, tc.want.OutIface = "hl7gate-egress", 3, 4
			got, err := Parse(message(t, "hl7gate-egress", 3, 4, tc.payload))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Parse =\n%+v, want\n%+v", got, tc.want)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short nfgenmsg", []byte{2, 0}},
		{"no payload", message(t, "p", 1, 0, nil)},
		{"ip version 5", message(t, "p", 1, 0, []byte{0x50, 1, 2, 3})},
		{"short ipv4", message(t, "p", 1, 0, ipv4(unix.IPPROTO_UDP, 0, false)[:19])},
		{"ipv4 ihl below 5", message(t, "p", 1, 0, append([]byte{0x44}, ipv4(unix.IPPROTO_UDP, 0, false)[1:]...))},
		{"short ipv6", message(t, "p", 1, 0, ipv6(unix.IPPROTO_UDP)[:39])},
		{"attribute overruns", []byte{2, 0, 0, 7, 200, 0, 9, 0, 0x45}},
		{"ifindex wrong size", append([]byte{2, 0, 0, 7}, 6, 0, attrIfIndexInDev, 0, 1, 2, 0, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := Parse(tc.b); !errors.Is(err, ErrMalformed) {
				t.Errorf("Parse = %+v, %v; want ErrMalformed", p, err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range [][]byte{
		ipv4(unix.IPPROTO_UDP, 0, false, ports...),
		ipv4(unix.IPPROTO_TCP, 0, true, ports...),
		ipv4(unix.IPPROTO_ICMP, 0, false, 8, 0),
		ipv6(unix.IPPROTO_HOPOPTS, append([]byte{unix.IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0}, ports...)...),
		ipv6(unix.IPPROTO_FRAGMENT, append([]byte{unix.IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 1}, ports...)...),
		ipv6(unix.IPPROTO_ICMPV6, 135, 0),
	} {
		f.Add(message(f, "hl7gate-watchlist", 2, 0, p))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if p.Family != unix.AF_INET && p.Family != unix.AF_INET6 {
			t.Fatalf("parsed packet with family %d", p.Family)
		}
		if p.Src.Is4() != (p.Family == unix.AF_INET) || p.Dst.Is4() != p.Src.Is4() {
			t.Fatalf("addresses %s, %s do not match family %d", p.Src, p.Dst, p.Family)
		}
	})
}
