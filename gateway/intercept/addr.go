package intercept

import (
	"net"
	"net/netip"
)

// AddrOf returns the IP address of a TCP endpoint (a connection's RemoteAddr, say), an IPv4-mapped
// address unmapped, so that it compares with the configured IPv4 networks.
func AddrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}
