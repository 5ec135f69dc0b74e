//go:build !unix

package gateway

import (
	"io"
	"net"
	"time"
)

// writeAwait cannot write and wait on a socket of this platform: the caller writes and reads as usual, and
// a stale connection is found when it fails.
func writeAwait(net.Conn, io.Reader, []byte, bool, time.Duration, func() error) (n int, perr, werr, aerr error, answered, spun bool) {
	return 0, nil, nil, nil, false, false
}

// writeNow writes nothing on this platform: the caller writes with its deadline.
func writeNow(net.Conn, []byte) (n int, ok bool, err error) { return 0, false, nil }

// writeNow is writeNow of the session's connection on this platform.
func (s *session) writeNow(p []byte) (n int, ok bool, err error) { return writeNow(s.c, p) }

// pollable is false on this platform: sessions read through their net.Conn.
func (s *session) pollable() bool { return false }

// loopPolled is never called on this platform (pollable).
func (s *session) loopPolled(bool) (string, bool) { panic("gateway: no polled loop on this platform") }

// readPolled is never called on this platform (pollable).
func (s *session) readPolled([]byte) (int, error) { panic("gateway: no polled read on this platform") }

// ackIn is the station connection itself on this platform.
func ackIn(nc net.Conn) io.Reader { return nc }
