// Package intercept reads the destination a client meant to reach before nftables redirected its connection
// to one of hl7gate's sockets (SO_ORIGINAL_DST): the intercept listener maps it to a station, the egress
// sinkhole records it.
package intercept

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// soOriginalDst is SO_ORIGINAL_DST (linux/netfilter_ipv4.h) at SOL_IP and
// IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv6/ip6_tables.h) at SOL_IPV6.
const soOriginalDst = 80

// OriginalDst returns the destination a client connected to before an
// nftables redirect (or other DNAT) sent the connection to this socket, read
// from conntrack with SO_ORIGINAL_DST. For a connection that was not
// redirected it returns the local address: conntrack's original destination
// is then the local address, and without a conntrack entry (ENOENT) nothing
// can have rewritten it. c may be a *net.TCPConn or a connection wrapping
// one through NetConn (such as *tls.Conn). IPv4-mapped addresses are
// unmapped.
func OriginalDst(c net.Conn) (netip.AddrPort, error) {
	if w, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = w.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("original destination: %T has no socket", c)
	}
	la, ok := c.LocalAddr().(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("original destination: %T is not a TCP connection", c)
	}
	local := la.AddrPort()
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
	rc, err := sc.SyscallConn()
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("original destination: %w", err)
	}
	var dst netip.AddrPort
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if local.Addr().Is4() {
			dst, serr = originalDst4(int(fd))
		} else {
			dst, serr = originalDst6(int(fd))
		}
	}); err != nil {
		return netip.AddrPort{}, fmt.Errorf("original destination: %w", err)
	}
	switch {
	case errors.Is(serr, unix.ENOENT):
		return local, nil
	case serr != nil:
		return netip.AddrPort{}, fmt.Errorf("original destination: getsockopt: %w", serr)
	}
	return dst, nil
}

// originalDst4 reads a struct sockaddr_in; the 16-byte IPv6Mreq buffer
// (plus 4) holds it, and the kernel accepts any length of at least 16.
func originalDst4(fd int) (netip.AddrPort, error) {
	m, err := unix.GetsockoptIPv6Mreq(fd, unix.SOL_IP, soOriginalDst)
	if err != nil {
		return netip.AddrPort{}, err
	}
	b := m.Multiaddr // family (host order), port (network order), address
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4])), nil
}

// originalDst6 reads a struct sockaddr_in6 into IPv6MTUInfo, which starts
// with one.
func originalDst6(fd int) (netip.AddrPort, error) {
	m, err := unix.GetsockoptIPv6MTUInfo(fd, unix.SOL_IPV6, soOriginalDst)
	if err != nil {
		return netip.AddrPort{}, err
	}
	// Port holds the network-order bytes as the kernel wrote them.
	port := binary.BigEndian.Uint16(binary.NativeEndian.AppendUint16(nil, m.Addr.Port))
	return netip.AddrPortFrom(netip.AddrFrom16(m.Addr.Addr).Unmap(), port), nil
}
