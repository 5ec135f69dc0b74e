//go:build unix

package gateway

import (
	"io"
	"net"
	"os"
	"syscall"
)

// writeAwait writes b on a plain TCP connection and waits until the connection has something to read
// (or its read deadline passes, or it is closed): one stop-and-wait exchange's write and wait, without the
// read a net.Conn's Read makes before it waits, which right after the write finds nothing (one system call
// per message saved). The caller then reads the answer as usual; a deadline or close that ended the wait
// is what that read returns.
//
// With check, the connection should be idle (no message in flight): before writing, writeAwait looks at it
// without blocking or consuming anything (one non-blocking MSG_PEEK receive) and writes nothing when the
// station sent bytes nobody asked for (perr errUnexpected) or closed it (perr errPeerClosed). Looking and
// writing happen after the runtime's poller was reset for this wait, so that an answer arriving at any
// moment after the write wakes it.
//
// n is how much of b went out: less than len(b) when the socket's send buffer was full or the connection is
// not a plain socket (TLS: n 0, nothing looked at; a TLS 1.3 server sends session tickets after the
// handshake, unread until the next Read, which are no answer to anything), and the caller writes the rest.
// werr is a write's error.
func writeAwait(nc net.Conn, b []byte, check bool) (n int, perr, werr error) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return 0, nil, nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, nil, nil
	}
	first := true
	_ = rc.Read(func(fd uintptr) bool { // its error (deadline, closed) is the caller's next read's
		if !first {
			return true // readable: the caller reads
		}
		first = false
		if check {
			if perr = idleState(int(fd)); perr != nil {
				return true
			}
		}
		n, werr = writeFD(int(fd), b)
		// Done unless the send buffer was full (the caller writes the rest, with its deadline) or it failed.
		return werr != nil || n < len(b)
	})
	return n, perr, werr
}

// writeFD writes p to the non-blocking socket fd until it is all written, the send buffer is full (n <
// len(p), err nil) or a write fails.
func writeFD(fd int, p []byte) (n int, err error) {
	for n < len(p) {
		m, err := sysWrite(fd, p[n:])
		if m > 0 {
			n += m
		}
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return n, nil
		case err != nil:
			return n, err
		}
	}
	return n, nil
}

// idleState checks, without blocking or consuming anything, the socket of a station connection that should
// be idle: errUnexpected when the station sent bytes nobody asked for, errPeerClosed when it closed the
// connection, nil when it is quiet.
func idleState(fd int) error {
	var b [1]byte
	n, err := sysPeek(fd, b[:])
	switch {
	case n > 0:
		return errUnexpected
	case err == nil:
		return errPeerClosed // a zero-byte receive is the end of the stream
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		return nil
	}
	return errPeerClosed // ECONNRESET and the like
}

// writeNow writes as much of p as a plain TCP connection's socket takes without waiting, and returns how
// much that was. It ignores the write deadline: it never waits. ok is false, and nothing is written, on a
// connection that is not a plain socket (TLS).
func writeNow(nc net.Conn, p []byte) (n int, ok bool, err error) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return 0, false, nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		n, werr = writeFD(int(fd), p)
		return true
	})
	if werr != nil {
		err = os.NewSyscallError("write", werr)
	}
	return n, true, err
}

// ackIn is what a station connection's MLLP reader reads: a plain TCP connection read with sysRead
// inside RawConn.Read (waiting, with the read deadline, only when the socket is empty), so that reading
// an answer does not wake the runtime's monitor thread (see sysraw_linux.go); any other connection (TLS)
// as it is.
func ackIn(nc net.Conn) io.Reader {
	if tc, ok := nc.(*net.TCPConn); ok {
		return sockReader{tc}
	}
	return nc
}

// sockReader reads a plain TCP connection with sysRead, waiting for readiness through the runtime's
// poller only when the socket has nothing.
type sockReader struct{ tc *net.TCPConn }

// Read implements io.Reader as the connection's Read does: a deadline or close that ends the wait is
// the error, and an empty socket whose peer closed is io.EOF.
func (r sockReader) Read(p []byte) (n int, err error) {
	rc, err := r.tc.SyscallConn()
	if err != nil {
		return 0, err
	}
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, rerr = sysRead(int(fd), p)
			if rerr != syscall.EINTR {
				return rerr != syscall.EAGAIN
			}
		}
	})
	switch {
	case err != nil: // a deadline or a close ended the wait
		return 0, err
	case rerr != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", rerr)}
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}
