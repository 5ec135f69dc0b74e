//go:build unix

package gateway

import (
	"crypto/tls"
	"net"
	"syscall"
)

// idleState checks, without blocking or consuming anything, a station connection that should be idle
// (no message in flight): errUnexpected when the station sent bytes nobody asked for, errPeerClosed
// when it closed the connection, nil when it is quiet. One non-blocking MSG_PEEK receive. A TLS
// connection is not peeked at: a TLS 1.3 server sends session tickets after the handshake, unread
// until the next Read, which are no answer to anything.
func idleState(nc net.Conn) error {
	if _, ok := nc.(*tls.Conn); ok {
		return nil
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var (
		n    int
		rerr error
		b    [1]byte
	)
	if err := rc.Read(func(fd uintptr) bool {
		n, _, rerr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait for readiness
	}); err != nil {
		return nil
	}
	switch {
	case n > 0:
		return errUnexpected
	case rerr == nil:
		return errPeerClosed // a zero-byte receive is the end of the stream
	case rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK || rerr == syscall.EINTR:
		return nil
	}
	return errPeerClosed // ECONNRESET and the like
}
