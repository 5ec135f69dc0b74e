//go:build !linux

// Package intercept reads the destination a client meant to reach before nftables redirected its connection
// to one of hl7gate's sockets; it needs Linux.
package intercept

import (
	"errors"
	"net"
	"net/netip"
)

// OriginalDst is not available: transparent interception (nftables
// redirect, SO_ORIGINAL_DST) needs Linux.
func OriginalDst(net.Conn) (netip.AddrPort, error) {
	return netip.AddrPort{}, errors.New("original destination: interception needs linux")
}
