//go:build unix

package gateway

import (
	"io"
	"net"
	"os"
	"syscall"

	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// pollable says whether the session's connection is a plain TCP socket, which loopPolled serves.
func (s *session) pollable() bool {
	_, ok := s.c.(*net.TCPConn)
	return ok
}

// loopPolled is loop for a plain TCP connection: the whole loop runs inside the callback of one
// RawConn.Read, which reads the socket itself (readPolled) and hands back to the runtime's poller only
// to wait. A net.Conn's Read makes the poller forget any readiness it saw before it reads (it must, since
// it cannot know what the read will take), so after each answer it reads once more, finds nothing and
// only then waits: one system call per message for nothing. Here the poller is reset once, when
// RawConn.Read begins, and never between a read and the wait after it, so bytes that arrived any time
// after a read (a pipelining monitor's next frame sent before its ACK included) mark the socket ready and
// end the wait at once. When the latest read left nothing in the socket (it returned less than it could
// take), the turn after an answer therefore waits without reading first; when it filled the buffer, the
// socket may hold more that no readiness will announce, and the turn reads. A wait the read deadline or a
// close ended is read once, outside the callback, as the read's error (waitErr), and the loop goes on as
// loop's would.
//
// Nothing of s is touched after a turn parked it: another goroutine may carry on with it (that one's
// RawConn.Read waits for this one's to return).
func (s *session) loopPolled(resumed bool) (string, bool) {
	rc, err := s.c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return errText(err), false
	}
	var (
		end          string
		parked, done bool
	)
	turns := func() bool {
		for {
			e, p, next := s.step(&resumed)
			switch next {
			case stepWait:
				if s.fd < 0 && s.spinWait && s.g.spins.serving.Load() == 0 && s.spin() {
					continue
				}
				return false
			case stepEnd:
				end, parked, done = e, p, true
				return true
			}
			if s.drained {
				s.fd = -1 // nothing was left unread: wait for the next bytes' readiness
			}
		}
	}
	for {
		err := rc.Read(func(fd uintptr) bool {
			s.fd, s.wfd = int(fd), int(fd)
			return turns()
		})
		if done {
			return end, parked
		}
		// The wait ended with nothing to read: read its error, as a net.Conn's Read would return it.
		s.fd, s.wfd, s.waitErr = -1, -1, err
		if turns(); done {
			return end, parked
		}
	}
}

// spin polls the socket (non-blocking peeks) for the next message's first bytes for up to
// delivery.busy_poll, and says whether something came (bytes, the end of the stream or an error, which the
// next read returns): then the loop reads it at once. loopPolled spins only for a monitor whose latest
// message came within twice that bound of its answer (spinWait): one sending in a closed loop on a fast
// link, whose next message is about to come, not a monitor sending every second; and only while no
// session has a message to handle (spinGate.serving). Like the exchange's spin for a station's answer
// (writeAwait), this keeps the thread from sleeping, and its CPU from going idle, for a wait that an idle
// CPU's wake-up would lengthen.
//
// It spins only inside loopPolled's RawConn.Read (wfd set): a turn outside it (after a wait that a deadline
// ended, such as a park that found the reader inside an oversized frame's rest) has no descriptor to peek
// at, and a peek at -1 fails at once (EBADF), which would count as something to read and turn the loop
// forever without reading (TestPolledSpinAfterParkWait).
func (s *session) spin() bool {
	bound := s.g.spins.budget()
	if bound == 0 || s.wfd < 0 { // turned off by a reload since the latest wait, or no descriptor
		return false
	}
	s.g.metrics.messagePolls.Inc()
	var b [1]byte
	end := monoNow().Add(bound)
	for {
		n, err := sysPeek(s.wfd, b[:])
		if n > 0 || err != syscall.EAGAIN && err != syscall.EINTR {
			s.fd = s.wfd
			if n > 0 { // the end of the stream or an error is read at once too, but is no message found
				s.g.metrics.messageFound.Inc()
			}
			return true
		}
		if monoNow().After(end) {
			return false
		}
	}
}

// readPolled reads the socket without waiting (loopPolled): mllp.ErrWouldBlock when it has nothing now, or
// when the loop waits for readiness (fd -1). It notes whether a read took all the socket held (drained).
func (s *session) readPolled(p []byte) (int, error) {
	if err := s.waitErr; err != nil {
		s.waitErr = nil
		return 0, err
	}
	if s.fd < 0 {
		return 0, mllp.ErrWouldBlock
	}
	for {
		n, err := sysRead(s.fd, p)
		switch {
		case n > 0:
			s.drained = n < len(p)
			return n, nil
		case err == nil:
			return 0, io.EOF
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, mllp.ErrWouldBlock
		}
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", err)}
	}
}

// writeNow writes as much of p as the monitor's socket takes without waiting (see writeNow): inside
// loopPolled's RawConn.Read directly to the descriptor that holds open, without a RawConn.Write of its own
// (a lock of the descriptor and a reset of the poller per answer saved); the session's goroutine is the
// only one that writes to its connection.
func (s *session) writeNow(p []byte) (n int, ok bool, err error) {
	if !s.polled || s.wfd < 0 {
		return writeNow(s.c, p)
	}
	n, werr := writeFD(s.wfd, p)
	if werr != nil {
		return n, true, os.NewSyscallError("write", werr)
	}
	return n, true, nil
}
