//go:build unix

package gateway

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// writeAwait writes b on a plain TCP connection, waits until the connection has something to read (or its
// read deadline passes, or it is closed) and reads the answer with answer, all inside one RawConn.Read:
// one stop-and-wait exchange's write, wait and read with the runtime's poller reset once and the
// descriptor locked once, and without the read a net.Conn's Read makes before it waits, which right after
// the write finds nothing (one system call per message saved). in is the connection's reader (ackIn's):
// answer reads through it, which then takes what the socket holds without waiting and returns
// mllp.ErrWouldBlock when it holds nothing, and answer returns that (unwrapped) to have writeAwait wait for
// more. A deadline or close that ended a wait is what answer's next read returns. answered says whether
// answer ran to its end, aerr what it returned.
//
// With check, the connection should be idle (no message in flight): before writing, writeAwait looks at it
// without blocking or consuming anything (one non-blocking MSG_PEEK receive) and writes nothing when the
// station sent bytes nobody asked for (perr errUnexpected) or closed it (perr errPeerClosed). Looking and
// writing happen after the runtime's poller was reset for this wait, so that an answer arriving at any
// moment after the write wakes it.
//
// With spin > 0, once b is all written writeAwait polls for the answer (answer, reading without waiting)
// for up to spin before it waits in the runtime's poller: a station on the same machine or segment answers
// within tens of microseconds, and a thread that waits for it sleeps, so that its CPU goes idle and the
// answer has to wake it (on this project's 2-vCPU test machine a wake-up that crosses to an idle vCPU
// costs 30–45 µs more than one on a busy vCPU; BENCHMARKS.md, "Twelfth round, session 12: one
// connection's latency"). An answer only partly read when the spin ends is read on after the wait, as any
// other. spun says whether answer ran to its end while polling, without a wait, having read bytes there
// (not only the end of the stream or a read error: a station's close is no answer found by polling).
//
// n is how much of b went out: less than len(b) when the socket's send buffer was full or the connection is
// not a plain socket (TLS: n 0, nothing looked at; a TLS 1.3 server sends session tickets after the
// handshake, unread until the next Read, which are no answer to anything); then answer has not run, and
// the caller writes the rest and reads the answer itself. werr is a write's error.
func writeAwait(nc net.Conn, in io.Reader, b []byte, check bool, spin time.Duration, answer func() error) (n int, perr, werr, aerr error, answered, spun bool) {
	tc, ok := nc.(*net.TCPConn)
	sr, _ := in.(*sockReader)
	if !ok || sr == nil {
		return 0, nil, nil, nil, false, false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, nil, nil, nil, false, false
	}
	first := true
	err = rc.Read(func(fd uintptr) bool {
		if !first { // readable
			sr.fd = int(fd)
			aerr = answer()
			sr.fd = -1
			answered = aerr != mllp.ErrWouldBlock
			return answered
		}
		first = false
		if check {
			if perr = idleState(int(fd)); perr != nil {
				return true
			}
		}
		n, werr = writeFD(int(fd), b)
		// Wait for the answer unless the send buffer was full (the caller writes the rest, with its
		// deadline) or the write failed.
		if werr != nil || n < len(b) {
			return true
		}
		if spin > 0 {
			answered, spun, aerr = spinAnswer(int(fd), sr, spin, answer)
		}
		return answered
	})
	if err != nil && !answered && perr == nil && werr == nil && n == len(b) {
		// A deadline or a close ended a wait: answer's next read returns it, as a blocking read would.
		sr.waitErr = err
		aerr, answered = answer(), true
		sr.waitErr = nil
	}
	return n, perr, werr, aerr, answered, spun
}

// spinAnswer calls answer, reading the socket fd through sr without waiting, until it has read the whole
// answer (or failed) or spin has passed; answered says whether it ended, found whether it read bytes then,
// aerr what it returned.
func spinAnswer(fd int, sr *sockReader, spin time.Duration, answer func() error) (answered, found bool, aerr error) {
	sr.fd, sr.got = fd, false
	defer func() { sr.fd = -1 }()
	end := monoNow().Add(spin)
	for {
		if aerr = answer(); aerr != mllp.ErrWouldBlock {
			return true, sr.got, aerr
		}
		if monoNow().After(end) {
			return false, false, nil
		}
	}
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
		return &sockReader{tc: tc, fd: -1}
	}
	return nc
}

// sockReader reads a plain TCP connection with sysRead, waiting for readiness through the runtime's
// poller only when the socket has nothing. Inside writeAwait's RawConn.Read it reads the descriptor it was
// given there (fd) without waiting, or returns the error that ended writeAwait's wait (waitErr).
type sockReader struct {
	tc      *net.TCPConn
	fd      int  // >= 0: inside writeAwait's RawConn.Read
	got     bool // a read of fd returned bytes (spinAnswer resets it)
	waitErr error
}

// Read implements io.Reader as the connection's Read does: a deadline or close that ends the wait is
// the error, and an empty socket whose peer closed is io.EOF. Inside writeAwait it returns
// mllp.ErrWouldBlock instead of waiting.
func (r *sockReader) Read(p []byte) (n int, err error) {
	if err := r.waitErr; err != nil {
		r.waitErr = nil
		return 0, err
	}
	var rerr error
	if r.fd >= 0 {
		n, rerr = readFD(r.fd, p)
		if rerr == syscall.EAGAIN {
			return 0, mllp.ErrWouldBlock
		}
		r.got = r.got || n > 0
	} else {
		rc, err := r.tc.SyscallConn()
		if err != nil {
			return 0, err
		}
		err = rc.Read(func(fd uintptr) bool {
			n, rerr = readFD(int(fd), p)
			return rerr != syscall.EAGAIN
		})
		if err != nil { // a deadline or a close ended the wait
			return 0, err
		}
	}
	switch {
	case rerr != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", rerr)}
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// readFD reads the non-blocking socket fd once, retrying an interrupted read.
func readFD(fd int, p []byte) (int, error) {
	for {
		n, err := sysRead(fd, p)
		if err != syscall.EINTR {
			return n, err
		}
	}
}
