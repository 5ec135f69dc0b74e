//go:build !linux

package gateway

import (
	"errors"
	"net"
	"net/netip"
)

// originalDst is not available: transparent interception (nftables
// redirect, SO_ORIGINAL_DST) needs Linux.
func originalDst(net.Conn) (netip.AddrPort, error) {
	return netip.AddrPort{}, errors.New("original destination: interception needs linux")
}
