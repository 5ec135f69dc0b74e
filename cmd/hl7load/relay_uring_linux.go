package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hl7gate/hl7gate/hl7"
	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// The uring engine of the bare relay (hl7load relay --engine uring): the same stop-and-wait MLLP relay as the
// default engine (a frame from the monitor, then to its own station connection, then the station's answer,
// then to the monitor; nothing acknowledged that the station did not acknowledge), run by one goroutine
// locked to its thread around one io_uring. Every connection's receives and sends are SQEs: all those a
// batch of completions calls for go to the kernel in one io_uring_enter, which then waits for the next
// batch. Under load one system call serves several messages.
//
// The idle check is a standing receive: while no frame is out, a receive is posted on the station
// connection, so that bytes the station sends unasked, or its close, complete it, and the pair is closed
// before a frame is written. A frame's SQE is filled only after the whole batch of completions it came with
// has been seen, so a station completion in the same batch is found first: the check sees what a peek
// when the previous io_uring_enter returned would see, at no SQE and no system call of its own. Bytes that
// arrive later complete only in the next io_uring_enter, after its submissions: the check is blind for the
// batch's handling, where a peek is blind for the moment between it and the write. idleFresh (the default)
// closes that window with one more io_uring_enter per batch that has frames to send. (A MSG_PEEK receive
// linked before the send, IOSQE_IO_LINK, cannot express the check: a link goes on when the first SQE
// succeeds, and the idle outcome of a MSG_DONTWAIT peek is -EAGAIN, a failure.) Without the check the
// station receive is posted with the frame's send.

// idleMode is how the uring engine checks a station connection before a frame goes out to it.
type idleMode int

const (
	idleOff   idleMode = iota // no check: the station's receive is posted with the frame's send
	idleBatch                 // the standing receive, as of the previous io_uring_enter
	idleFresh                 // and one more io_uring_enter (nothing new to submit) before a batch's frames go out
)

// The kinds of operation, in an SQE's user data below the pair's slot.
const (
	uAccept      = iota // the listener's accept (no pair)
	uStop               // the read of the stop eventfd (no pair)
	uConnect            // the station connection's connect
	uMonRecv            // a receive of the monitor's frame
	uStaSend            // the frame's send to the station
	uStaRecv            // a receive on the station connection: the answer, or (idle) anything unasked
	uMonSend            // the answer's send to the monitor
	uMonSendWait        // --check: an answer's send whose completion is awaited before the monitor's next frame is read
	uMonSendLast        // --check: an answer's send whose completion closes the pair (the station connection must go)
)

// uPair is a monitor connection and its station connection.
type uPair struct {
	m, s     int // sockets (blocking: a receive with nothing to read waits in the ring, not in a thread)
	frame    []byte
	ack      [2][]byte // the answer being sent to the monitor, and the next one's buffer (the standing receive's)
	cur      int       // ack[cur] receives the next answer
	sent     bool      // the frame went to the station: station bytes are its answer
	ready    bool      // a whole frame is read, its send not yet filled
	inflight int       // receives and the connect submitted, not completed
	gen      uint32    // tells this pair's completions from those of an earlier pair in its slot
	closing  bool
	pc       *pairCheck // --check: the gateway's per-message state; frame and sin are then raw receive buffers
	sin      []byte     // --check: the station connection's receive buffer
}

// uRelay is the state of one uring relay loop.
type uRelay struct {
	r         *uring
	ln, stop  int // the listening socket; an eventfd written when ctx ends
	station   unix.RawSockaddrAny
	slen      uint32
	family    int
	idle      idleMode
	chk       *gwChecks // --check: the gateway's per-message work; nil: a bare relay
	pairs     []*uPair
	free      []int
	ready     []int // pairs with a whole frame, their sends filled after the batch
	accepting bool
	stopping  bool
	stopBuf   [8]byte
	err       error
	msgs      uint64
	gen       uint32
}

// uringListeners opens rings listening sockets on addr, sharing one port (SO_REUSEPORT, so that the kernel
// spreads the monitors over them) when there are several; it returns them and the address they are bound to.
func uringListeners(addr string, rings int) ([]int, string, error) {
	if rings < 1 {
		return nil, "", fmt.Errorf("relay: %d rings", rings)
	}
	fds := make([]int, 0, rings)
	for range rings {
		fd, bound, err := uringListen(addr, rings > 1)
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, "", err
		}
		fds, addr = append(fds, fd), bound // the next ones on the port the first was given
	}
	return fds, addr, nil
}

// relayServeURings runs one uring loop per listening socket (it takes them over) toward station until ctx
// ends or a loop fails; with chk, each doing the gateway's per-message work.
func relayServeURings(ctx context.Context, lns []int, station string, idle idleMode, chk *gwChecks, stats io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(lns))
	for _, fd := range lns {
		go func() {
			err := relayServeUring(ctx, fd, station, idle, chk, stats)
			cancel()
			errs <- err
		}()
	}
	var first error
	for range lns {
		if err := <-errs; first == nil {
			first = err
		}
	}
	return first
}

// uringListen opens a blocking listening TCP socket on addr (host:port), shared with others on the same
// port when reusePort; it returns the socket and the address it is bound to.
func uringListen(addr string, reusePort bool) (int, string, error) {
	ta, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, "", err
	}
	sa, family := sockaddr(ta)
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, "", err
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if reusePort {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}
	if err = unix.Bind(fd, sa); err == nil {
		err = unix.Listen(fd, 4096)
	}
	var got unix.Sockaddr
	if err == nil {
		got, err = unix.Getsockname(fd)
	}
	if err != nil {
		unix.Close(fd)
		return -1, "", fmt.Errorf("relay listen: %w", err)
	}
	switch a := got.(type) {
	case *unix.SockaddrInet4:
		return fd, net.JoinHostPort(net.IP(a.Addr[:]).String(), fmt.Sprint(a.Port)), nil
	case *unix.SockaddrInet6:
		return fd, net.JoinHostPort(net.IP(a.Addr[:]).String(), fmt.Sprint(a.Port)), nil
	}
	return fd, addr, nil
}

// sockaddr is a TCP address as a unix.Sockaddr and its address family.
func sockaddr(a *net.TCPAddr) (unix.Sockaddr, int) {
	if ip4 := a.IP.To4(); ip4 != nil || a.IP == nil {
		sa := &unix.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip4)
		return sa, unix.AF_INET
	}
	sa := &unix.SockaddrInet6{Port: a.Port}
	copy(sa.Addr[:], a.IP.To16())
	return sa, unix.AF_INET6
}

// rawSockaddr is a as the kernel reads it (struct sockaddr_in or sockaddr_in6) and its length.
func rawSockaddr(a *net.TCPAddr) (raw unix.RawSockaddrAny, n uint32) {
	if ip4 := a.IP.To4(); ip4 != nil || a.IP == nil { // as sockaddr
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(&raw))
		in.Family = unix.AF_INET
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&in.Port))[:], uint16(a.Port))
		copy(in.Addr[:], ip4)
		return raw, unix.SizeofSockaddrInet4
	}
	in := (*unix.RawSockaddrInet6)(unsafe.Pointer(&raw))
	in.Family = unix.AF_INET6
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&in.Port))[:], uint16(a.Port))
	copy(in.Addr[:], a.IP.To16())
	return raw, unix.SizeofSockaddrInet6
}

// relayServeUring relays every monitor connection the listening socket ln accepts (it takes ln over) to
// station until ctx ends, then closes every connection; stats, when not nil, gets the loop's counts. With
// chk, each frame goes through the gateway's per-message work first (relay_check_linux.go).
func relayServeUring(ctx context.Context, ln int, station string, idle idleMode, chk *gwChecks, stats io.Writer) error {
	ta, err := net.ResolveTCPAddr("tcp", station)
	if err != nil {
		unix.Close(ln)
		return err
	}
	stop, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(ln)
		return err
	}
	wrote := make(chan struct{})
	stopWake := context.AfterFunc(ctx, func() {
		var one [8]byte
		binary.NativeEndian.PutUint64(one[:], 1)
		unix.Write(stop, one[:])
		close(wrote)
	})
	closeStop := func() {
		if !stopWake() {
			<-wrote // it runs: the descriptor must not be closed (and its number reused) before its write
		}
		unix.Close(stop)
	}
	runtime.LockOSThread() // the ring's single issuer; completions run only on this thread
	defer runtime.UnlockOSThread()
	r, err := newURing(4096, setupSubmitAll|setupCoopTaskrun|setupSingleIssuer|setupDeferTaskrun)
	if err != nil {
		unix.Close(ln)
		closeStop()
		return err
	}
	u := newURelay()
	u.r, u.ln, u.stop, u.idle, u.chk = r, ln, stop, idle, chk
	u.station, u.slen = rawSockaddr(ta)
	_, u.family = sockaddr(ta)
	err = u.run()
	r.close() // cancels what is in flight, so that the sockets of pairs left open by a failure can be closed
	for _, p := range u.pairs {
		if p != nil {
			unix.Close(p.m)
			unix.Close(p.s)
		}
	}
	unix.Close(ln)
	closeStop()
	if stats != nil {
		fmt.Fprintf(stats, "relay: %d messages, %d io_uring_enter calls\n", u.msgs, r.enters)
		if chk != nil {
			fmt.Fprintln(stats, chk.summary())
		}
	}
	return err
}

// newURelay allocates a uRelay on the heap. The kernel keeps addresses into it (the stop read's buffer, the
// station's address for connect) while the loop runs; a uRelay on the loop goroutine's stack, where escape
// analysis would put it, moves when that stack grows (deeper calls, as --check's make), and the stop read
// then lands in memory that may be another goroutine's stack by then. Go does not move heap objects.
//
//go:noinline
func newURelay() *uRelay { return new(uRelay) }

// run is the loop: reap a batch of completions, fill the SQEs they call for, submit them and wait for the
// next batch in one io_uring_enter; until the stop eventfd has been read and every pair is closed.
func (u *uRelay) run() error {
	u.post(-1, uAccept, u.ln, 0, 0, 0)
	u.accepting = true
	u.post(-1, uStop, u.stop, uint64(uintptr(unsafe.Pointer(&u.stopBuf[0]))), 8, 0)
	for u.err == nil {
		u.r.reap(u.complete)
		if len(u.ready) > 0 && u.idle == idleFresh {
			// What reached the station connections since the previous enter completes only inside the next:
			// run it now, so that the idle check is as fresh as a peek just before the send.
			if err := u.r.enter(0); err != nil {
				return err
			}
			u.r.reap(u.complete)
		}
		for _, i := range u.ready {
			u.sendFrame(i)
		}
		u.ready = u.ready[:0]
		if u.stopping && !u.accepting && len(u.free) == len(u.pairs) {
			return u.err
		}
		if err := u.r.enter(1); err != nil {
			return err
		}
	}
	return u.err
}

// post fills an SQE: op on fd for pair slot i (-1: none), with the buffer at addr of n bytes.
//
// A send completes silently when it succeeds (IOSQE_CQE_SKIP_SUCCESS), so that a wait ends only for a
// receive: one connection's message takes two io_uring_enter calls, not four. Only failures complete, so a
// send is not counted in flight: a pair may be closed while its send is still in the kernel, which then
// fails on the shut-down socket. Such a send only reads its buffer, and its completion carries the pair's
// generation, so that it cannot be taken for one of a later pair in the same slot.
func (u *uRelay) post(i int, kind uint8, fd int, addr uint64, n uint32, off uint64) {
	e, err := u.r.get()
	if err != nil {
		u.err = err
		return
	}
	e.fd = int32(fd)
	e.addr, e.len, e.off = addr, n, off
	e.userData = uint64(i+1)<<8 | uint64(kind)
	if i >= 0 {
		e.userData |= uint64(u.pairs[i].gen) << 32
	}
	switch kind {
	case uAccept:
		e.opcode, e.opFlags = opAccept, unix.SOCK_CLOEXEC
	case uStop:
		e.opcode = opRead
	case uConnect:
		e.opcode = opConnect
	case uMonRecv, uStaRecv:
		e.opcode = opRecv
	case uStaSend, uMonSend:
		e.opcode, e.opFlags, e.flags = opSend, unix.MSG_WAITALL|unix.MSG_NOSIGNAL, sqeCQESkipSuccess
		return
	case uMonSendWait, uMonSendLast: // these complete, and are counted in flight
		e.opcode, e.opFlags = opSend, unix.MSG_WAITALL|unix.MSG_NOSIGNAL
	}
	if i >= 0 {
		u.pairs[i].inflight++
	}
}

// recv posts a receive on fd into the free room of b (grown when full, up to maxRelayFrame).
func (u *uRelay) recv(i int, kind uint8, fd int, b *[]byte) {
	g, err := grown(*b)
	if err != nil {
		u.closePair(i)
		return
	}
	*b = g
	room := g[len(g):cap(g)]
	u.post(i, kind, fd, uint64(uintptr(unsafe.Pointer(unsafe.SliceData(room)))), uint32(len(room)), 0)
}

// send posts the send of all of b to fd.
func (u *uRelay) send(i int, kind uint8, fd int, b []byte) {
	u.post(i, kind, fd, uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))), uint32(len(b)), 0)
}

// complete handles one completion.
func (u *uRelay) complete(ud uint64, res int32) {
	kind, i, gen := uint8(ud&0xff), int(ud>>8&0xffffff)-1, uint32(ud>>32)
	switch kind {
	case uAccept:
		u.accepted(int(res))
		return
	case uStop:
		u.stopping = true
		unix.Shutdown(u.ln, unix.SHUT_RDWR) // ends the accept
		for j, p := range u.pairs {
			if p != nil {
				u.closePair(j)
			}
		}
		return
	}
	p := u.pairs[i]
	if kind == uStaSend || kind == uMonSend {
		if p == nil || p.gen != gen {
			return // a closed pair's send failed
		}
	} else {
		p.inflight--
	}
	switch {
	case p.closing:
	case p.pc != nil && kind == uStaRecv && p.sent && res <= 0:
		u.stationFailed(i) // the gateway's AE: the station closed or failed before its answer
	case res < 0 || (res == 0 && kind != uConnect):
		u.closePair(i) // failed, or closed by the peer
	case kind == uConnect:
		u.recv(i, uMonRecv, p.m, &p.frame)
		if u.idle != idleOff {
			u.staRecv(i)
		}
	case kind == uMonSendWait:
		u.nextFrame(i)
	case kind == uMonSendLast:
		u.closePair(i)
	case p.pc != nil && kind == uMonRecv:
		p.frame = p.frame[:len(p.frame)+int(res)]
		p.pc.mfeed.b, p.frame = p.frame, p.frame[:0] // the next receive is posted only once the reader took it all
		u.nextFrame(i)
	case kind == uMonRecv:
		p.frame = p.frame[:len(p.frame)+int(res)]
		if frameEnds(p.frame) {
			p.ready = true
			u.ready = append(u.ready, i)
		} else {
			u.recv(i, uMonRecv, p.m, &p.frame)
		}
	case kind == uStaRecv && !p.sent:
		u.closePair(i) // unasked bytes: nothing may be read as a frame's answer
	case p.pc != nil && kind == uStaRecv:
		p.sin = p.sin[:len(p.sin)+int(res)]
		p.pc.sfeed.b = p.sin
		u.stationBytes(i)
	case kind == uStaRecv:
		b := &p.ack[p.cur]
		*b = (*b)[:len(*b)+int(res)]
		if !frameEnds(*b) {
			u.recv(i, uStaRecv, p.s, b)
			break
		}
		// The answer goes to the monitor; the next answer, or anything unasked, goes to the other buffer.
		u.msgs++
		p.sent = false
		p.frame = p.frame[:0]
		u.send(i, uMonSend, p.m, *b)
		p.cur ^= 1
		p.ack[p.cur] = p.ack[p.cur][:0]
		u.recv(i, uMonRecv, p.m, &p.frame)
		if u.idle != idleOff {
			u.recv(i, uStaRecv, p.s, &p.ack[p.cur])
		}
	}
	u.release(i) // a silent send completes only when it failed (MSG_WAITALL: all of it or an error), handled above
}

// sendFrame fills the send of pair i's whole frame to the station (and, without the idle check, the
// receive of its answer), unless the pair was closed since the frame was read.
func (u *uRelay) sendFrame(i int) {
	p := u.pairs[i]
	if p == nil || p.closing || !p.ready {
		return
	}
	p.ready, p.sent = false, true
	if p.pc != nil {
		u.send(i, uStaSend, p.s, p.pc.fwd)
	} else {
		u.send(i, uStaSend, p.s, p.frame)
	}
	if u.idle == idleOff {
		u.staRecv(i)
	}
}

// staRecv posts a receive on pair i's station connection: into the buffer its answer is relayed from, or,
// with --check, into the raw buffer its answers' reader is fed from (empty whenever this is called).
func (u *uRelay) staRecv(i int) {
	p := u.pairs[i]
	if p.pc != nil {
		p.sin = p.sin[:0]
		u.recv(i, uStaRecv, p.s, &p.sin)
		return
	}
	u.recv(i, uStaRecv, p.s, &p.ack[p.cur])
}

// nextFrame (--check) reads pair i's next frame from what the monitor sent and handles it as the gateway
// does; a frame to forward waits in u.ready for the batch's sends, an answer of the gateway's own goes to the
// monitor; with no whole frame buffered, it posts the monitor's next receive.
func (u *uRelay) nextFrame(i int) {
	p := u.pairs[i]
	for {
		frame, err := p.pc.mr.ReadFrame()
		if err == mllp.ErrWouldBlock {
			u.recv(i, uMonRecv, p.m, &p.frame)
			return
		}
		if err != nil && !errors.Is(err, mllp.ErrFrameTooLarge) && !errors.Is(err, mllp.ErrTruncated) &&
			!errors.Is(err, mllp.ErrMissingCR) {
			u.closePair(i)
			return
		}
		switch u.chk.handle(p.pc, time.Now(), frame, err) {
		case chkAnswer:
			u.answerMonitor(i, p.pc.reply, uMonSendWait)
			return
		case chkForward:
			p.ready = true
			u.ready = append(u.ready, i)
			return
		}
	}
}

// stationBytes (--check) reads the station's answer to pair i's message from its latest receive, as the
// gateway's station connection does, and relays it to the monitor once whole; a malformed answer, another
// message's or a second commit ACK gets the monitor the gateway's AE instead and closes the pair.
func (u *uRelay) stationBytes(i int) {
	p := u.pairs[i]
	pc := p.pc
	for {
		frame, err := pc.sr.ReadFrame()
		if err == mllp.ErrWouldBlock {
			u.staRecv(i)
			return
		}
		var done bool
		var code hl7.AckCode
		if err == nil {
			done, code, err = u.chk.answer(pc, frame)
		}
		if err != nil {
			u.stationFailed(i)
			return
		}
		if !done {
			continue // a commit accept before the application ACK
		}
		u.msgs++
		p.sent = false
		switch {
		case pc.sr.Buffered() > 0 || len(pc.sfeed.b) > 0 || isCommit(code):
			// The answer stands, but the gateway never reuses the connection: bytes after it, or a commit
			// ACK (an application ACK may still follow) could answer the next message.
			u.answerMonitor(i, pc.ans, uMonSendLast)
		case pc.mr.Buffered() > 0 || len(pc.mfeed.b) > 0:
			u.answerMonitor(i, pc.ans, uMonSendWait) // the next frame is read once this answer is out
			if u.idle != idleOff {
				u.staRecv(i)
			}
		default:
			u.answerMonitor(i, pc.ans, uMonSend)
			u.recv(i, uMonRecv, p.m, &p.frame)
			if u.idle != idleOff {
				u.staRecv(i)
			}
		}
		return
	}
}

// stationFailed (--check) answers pair i's message with the gateway's AE and closes the pair once that is
// sent (the gateway closes the station connection and keeps the monitor's; here they are one pair).
func (u *uRelay) stationFailed(i int) {
	p := u.pairs[i]
	p.sent = false
	u.chk.stationFailed(p.pc)
	u.answerMonitor(i, p.pc.reply, uMonSendLast)
}

// answerMonitor (--check) frames payload into pair i's next answer buffer and sends it to the monitor.
func (u *uRelay) answerMonitor(i int, payload []byte, kind uint8) {
	p := u.pairs[i]
	b, err := mllp.AppendFrame(p.ack[p.cur][:0], payload)
	if err != nil {
		u.closePair(i)
		return
	}
	p.ack[p.cur] = b
	u.send(i, kind, p.m, b)
	p.cur ^= 1
}

// accepted takes a new monitor connection fd (or the accept's error) and connects its station connection.
func (u *uRelay) accepted(fd int) {
	u.accepting = false
	if fd < 0 {
		if !u.stopping && fd != -int(unix.ECONNABORTED) { // as net.Listener.Accept, which retries only that
			u.err = fmt.Errorf("relay accept: %w", unix.Errno(-fd))
		}
	} else if u.stopping {
		unix.Close(fd)
	} else {
		u.pair(fd)
	}
	if !u.stopping {
		u.post(-1, uAccept, u.ln, 0, 0, 0)
		u.accepting = true
	}
}

// pair opens the station connection for the monitor connection m; with --check, only for a source the
// listener's allow_sources admit.
func (u *uRelay) pair(m int) {
	var pc *pairCheck
	if u.chk != nil {
		src, ok := peerAddr(m)
		if !ok || !u.chk.admits(src) {
			u.chk.refused.Add(1)
			unix.Close(m)
			return
		}
		pc = u.chk.newPairCheck(src)
	}
	s, err := unix.Socket(u.family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		unix.Close(m)
		return
	}
	unix.SetsockoptInt(m, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1) // as Go's net package and HAProxy
	unix.SetsockoptInt(s, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	u.gen++
	p := &uPair{m: m, s: s, gen: u.gen, frame: make([]byte, 0, 4096), pc: pc}
	p.ack[0], p.ack[1] = make([]byte, 0, 4096), make([]byte, 0, 4096)
	if pc != nil {
		p.sin = make([]byte, 0, 4096)
	}
	var i int
	if n := len(u.free); n > 0 {
		i, u.free = u.free[n-1], u.free[:n-1]
		u.pairs[i] = p
	} else {
		i = len(u.pairs)
		u.pairs = append(u.pairs, p)
	}
	u.post(i, uConnect, s, uint64(uintptr(unsafe.Pointer(&u.station))), 0, uint64(u.slen))
}

// peerAddr is the address of the peer of socket fd, IPv4-mapped addresses unmapped (as the gateway's).
func peerAddr(fd int) (netip.Addr, bool) {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return netip.Addr{}, false
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(a.Addr), true
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(a.Addr).Unmap(), true
	}
	return netip.Addr{}, false
}

// closePair shuts pair i's connections down, which ends its pending receives; release closes them.
func (u *uRelay) closePair(i int) {
	p := u.pairs[i]
	if p.closing {
		return
	}
	p.closing = true
	unix.Shutdown(p.m, unix.SHUT_RDWR)
	unix.Shutdown(p.s, unix.SHUT_RDWR)
	u.release(i)
}

// release closes pair i's sockets and frees its slot once it is closing and nothing of it is in flight.
func (u *uRelay) release(i int) {
	if p := u.pairs[i]; p != nil && p.closing && p.inflight == 0 {
		unix.Close(p.m)
		unix.Close(p.s)
		u.pairs[i] = nil
		u.free = append(u.free, i)
	}
}
