//go:build linux

package nflog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ErrMalformed is wrapped by Parse, and so by Read, for a message that is
// not a well-formed NFLOG packet message; a reader may skip it and go on.
var ErrMalformed = errors.New("malformed nflog message")

// Packet is what hl7gate keeps of one logged packet: L3 and L4 header
// fields and the rule's log prefix. It never holds payload bytes.
type Packet struct {
	Family   uint8      // unix.AF_INET or unix.AF_INET6
	Protocol uint8      // IP protocol number of the transport header (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6)
	Src, Dst netip.Addr // network-layer source and destination
	SrcPort  uint16     // TCP, UDP, UDP-Lite, SCTP or DCCP source port; 0 otherwise or when not captured
	DstPort  uint16     // as SrcPort, destination port
	ICMPType uint8      // ICMP or ICMPv6 type; valid only when HasICMP
	HasICMP  bool       // the packet is ICMP or ICMPv6 and its type was captured
	InIface  uint32     // input interface index; 0 when none (locally sent)
	OutIface uint32     // output interface index; 0 when none (before routing)
	Prefix   string     // the log prefix of the rule that logged the packet
}

// nfnetlink_log attribute types (linux/netfilter/nfnetlink_log.h).
const (
	attrIfIndexInDev  = 4  // NFULA_IFINDEX_INDEV
	attrIfIndexOutDev = 5  // NFULA_IFINDEX_OUTDEV
	attrPayload       = 9  // NFULA_PAYLOAD
	attrPrefix        = 10 // NFULA_PREFIX
)

// IP protocol numbers whose first four bytes are source and destination port.
var hasPorts = map[uint8]bool{
	unix.IPPROTO_TCP: true, unix.IPPROTO_UDP: true, unix.IPPROTO_UDPLITE: true,
	unix.IPPROTO_SCTP: true, unix.IPPROTO_DCCP: true,
}

// Parse decodes the body of one NFLOG packet message (struct nfgenmsg, then
// attributes). It reads only headers from the payload and copies nothing
// else out of b.
func Parse(b []byte) (Packet, error) {
	const nfgenmsgLen = 4
	if len(b) < nfgenmsgLen {
		return Packet{}, fmt.Errorf("%w: %d bytes, shorter than nfgenmsg", ErrMalformed, len(b))
	}
	ad, err := netlink.NewAttributeDecoder(b[nfgenmsgLen:])
	if err != nil {
		return Packet{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	ad.ByteOrder = binary.BigEndian
	var p Packet
	var payload []byte
	for ad.Next() {
		switch ad.Type() {
		case attrIfIndexInDev:
			p.InIface = ad.Uint32()
		case attrIfIndexOutDev:
			p.OutIface = ad.Uint32()
		case attrPrefix:
			p.Prefix = ad.String()
		case attrPayload:
			payload = ad.Bytes()
		}
	}
	if err := ad.Err(); err != nil {
		return Packet{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := parseHeaders(&p, payload); err != nil {
		return Packet{}, err
	}
	return p, nil
}

// parseHeaders fills p's L3 and L4 fields from the start of an IP packet,
// which may be cut short by the copy range.
func parseHeaders(p *Packet, b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: no packet headers", ErrMalformed)
	}
	var l4 []byte
	switch b[0] >> 4 {
	case 4:
		ihl := int(b[0]&0x0f) * 4
		if len(b) < 20 || ihl < 20 {
			return fmt.Errorf("%w: truncated IPv4 header", ErrMalformed)
		}
		p.Family = unix.AF_INET
		p.Protocol = b[9]
		p.Src = netip.AddrFrom4([4]byte(b[12:16]))
		p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		if binary.BigEndian.Uint16(b[6:8])&0x1fff == 0 && len(b) > ihl { // first fragment only
			l4 = b[ihl:]
		}
	case 6:
		if len(b) < 40 {
			return fmt.Errorf("%w: truncated IPv6 header", ErrMalformed)
		}
		p.Family = unix.AF_INET6
		p.Src = netip.AddrFrom16([16]byte(b[8:24]))
		p.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		p.Protocol, l4 = skipIPv6Extensions(b[6], b[40:])
	default:
		return fmt.Errorf("%w: IP version %d", ErrMalformed, b[0]>>4)
	}
	switch {
	case hasPorts[p.Protocol] && len(l4) >= 4:
		p.SrcPort = binary.BigEndian.Uint16(l4[0:2])
		p.DstPort = binary.BigEndian.Uint16(l4[2:4])
	case (p.Protocol == unix.IPPROTO_ICMP && p.Family == unix.AF_INET ||
		p.Protocol == unix.IPPROTO_ICMPV6 && p.Family == unix.AF_INET6) && len(l4) >= 1:
		p.ICMPType = l4[0]
		p.HasICMP = true
	}
	return nil
}

// skipIPv6Extensions follows the extension header chain from next and
// returns the transport protocol and its header, or nil when the chain does
// not fit in b or the packet is a non-first fragment.
func skipIPv6Extensions(next uint8, b []byte) (uint8, []byte) {
	for {
		switch next {
		case unix.IPPROTO_HOPOPTS, unix.IPPROTO_ROUTING, unix.IPPROTO_DSTOPTS:
			if len(b) < 2 || len(b) < (int(b[1])+1)*8 {
				return next, nil
			}
			next, b = b[0], b[(int(b[1])+1)*8:]
		case unix.IPPROTO_FRAGMENT:
			if len(b) < 8 || binary.BigEndian.Uint16(b[2:4])&0xfff8 != 0 {
				if len(b) >= 1 {
					return b[0], nil
				}
				return next, nil
			}
			next, b = b[0], b[8:]
		default:
			return next, b
		}
	}
}
