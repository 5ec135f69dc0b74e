package gateway

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// parker holds the monitor connections that have been quiet for parkAfter, and the plain TCP ones that have
// sent nothing since their accept (parkAtAccept): no session goroutine holds them (it ended, or waits among
// the wakers for another session, or never started), they hold no read buffer, and one epoll instance of
// the gateway watches their sockets. Bytes from the monitor (or its close), its
// idle timeout, or a shutdown hand the session to a goroutine (wakers) that carries on where it stopped. A
// connection then costs its session and socket, not a goroutine and buffers, as a connection waiting in an
// event loop costs a byte relay.
//
// The epoll instance itself is watched by the runtime's poller (an os.File over it), so no thread blocks
// on it. Sockets are registered one-shot and level-triggered: bytes that arrived before the registration
// wake it at once.
type parker struct {
	g      *Gateway
	ep     *os.File
	epfd   int           // ep's descriptor, for epoll_ctl (os.File.Fd would race with Close and set it blocking)
	done   chan struct{} // closed when run has returned
	wakers wakers        // the goroutines that run the woken sessions

	// Held shared by park from the moment the session is visible to the parker until park returns: the
	// session can be woken and ended by others meanwhile (its monitor hung up as it was registered), and
	// Shutdown then stops the parker; close takes it exclusively before closing ep, so that no epoll_ctl
	// reaches a closed descriptor, or one reused by another epoll instance.
	using sync.RWMutex

	mu     sync.Mutex
	next   uint64              // the latest token
	parked map[uint64]*session // by token, carried in the epoll event; a stale event finds none
	// ctl is epoll_ctl (sysEpollCtl); a test puts one that fails or panics in its place.
	ctl func(epfd, op, fd int, ev *syscall.EpollEvent) error

	// The sessions whose monitor hung up while parked, ended by one goroutine of their own (ender), not by
	// run: ending one closes its socket, takes the gateway's lock and records the session (about as long as
	// handling a message), and run would hand no other parked session its bytes meanwhile. When thousands
	// hang up at once (a switch restarting, the benchmark's monitors at the end of a run) or an admin read
	// holds the gateway's lock, the monitors still sending would wait behind them.
	endMu    sync.Mutex
	ending   []*session
	endReady chan struct{} // one token: ending has sessions
	endDone  chan struct{} // closed when ender has returned
}

// newParker makes the gateway's parker and starts its goroutine.
func newParker(g *Gateway) (*parker, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	p := &parker{g: g, ep: os.NewFile(uintptr(fd), "parked-connections"), epfd: fd, done: make(chan struct{}),
		parked: map[uint64]*session{}, ctl: sysEpollCtl, endReady: make(chan struct{}, 1), endDone: make(chan struct{})}
	p.wakers.g = g
	rc, err := p.ep.SyscallConn()
	if err != nil {
		p.ep.Close()
		return nil, err
	}
	go p.run(rc)
	go p.ender()
	return p, nil
}

// run wakes the sessions whose sockets became readable until the parker is closed.
func (p *parker) run(rc syscall.RawConn) {
	defer close(p.done)
	var evs [64]syscall.EpollEvent
	_ = rc.Read(func(fd uintptr) bool {
		for {
			n, err := sysEpollWait(int(fd), evs[:])
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				return true // closed under us
			}
			for _, ev := range evs[:n] {
				p.readable(uint64(uint32(ev.Fd))|uint64(uint32(ev.Pad))<<32, ev.Events&(syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0)
			}
			if n < len(evs) {
				return false // drained: wait for the next event
			}
		}
	})
}

// count returns how many sessions are parked.
func (p *parker) count() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return float64(len(p.parked))
}

// close stops the parker. Every session must have ended before (Shutdown wakes the parked ones).
func (p *parker) close() {
	p.using.Lock() // no park still registering a socket
	p.ep.Close()
	p.using.Unlock()
	<-p.done
	close(p.endReady)
	<-p.endDone
	p.wakers.close()
}

// park parks s, whose reader holds nothing, until bytes arrive, left has passed (its idle timeout) or the
// gateway stops. The caller must return right after without touching s (its goroutine ends, or waits among
// the wakers for another session): another goroutine may already run the session.
//
// A panic in park (a bug) reaches the caller only with s the caller's again, to end as its recover does
// (runSession, setUpAtAccept); if the parker had handed s on already, whoever took it carries on with it,
// and park returns as after any park.
func (p *parker) park(s *session, left time.Duration) {
	var tok uint64 // s's token while the parker holds s: then only whoever takes it back may end it
	defer func() {
		if r := recover(); r != nil {
			if tok != 0 && p.take(tok) == nil {
				p.g.log.Error().Str("panic", fmt.Sprint(r)).Msg("panic while parking a connection woken meanwhile")
				return
			}
			panic(r)
		}
	}()
	rc, err := s.c.(*net.TCPConn).SyscallConn() // the concrete type: its callbacks below stay on the stack
	p.using.RLock()
	defer p.using.RUnlock()
	op, ctl := p.enter(s, left, &tok)
	if err == nil {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
			Fd: int32(uint32(tok)), Pad: int32(uint32(tok >> 32))}
		cerr := rc.Control(func(fd uintptr) { err = ctl(p.epfd, op, int(fd), &ev) })
		err = errors.Join(err, cerr)
	}
	if err != nil || s.stop.Load() {
		// Not watched (the connection is closing under us, or the kernel refused it a watch: ENOSPC when
		// fs.epoll.max_user_watches is reached, ENOMEM), or Shutdown may have looked for it before it was
		// parked: it carries on at once, and its next read or its stop flag ends it, or it reads until
		// its park deadline and is parked again then.
		if s := p.take(tok); s != nil {
			tok = 0 // this goroutine's again
			if err != nil && (op == syscall.EPOLL_CTL_ADD || errors.Is(err, syscall.ENOENT)) {
				// Not in the epoll set: the next park adds it (a MOD would fail, ENOENT). A MOD finds it gone
				// when its failed ADD was not marked: the idle timer or Shutdown took it back first.
				s.epollAdded = false
			}
			p.wakers.run(s, wokeRead)
		}
	}
}

// enter makes s parked under a new token, which it stores in *tok first, with its idle timer due in left,
// and returns how to register its socket: add it to the epoll set, or modify its registration (an
// earlier park added it), and the epoll_ctl to do it with.
func (p *parker) enter(s *session, left time.Duration, tok *uint64) (op int, ctl func(epfd, op, fd int, ev *syscall.EpollEvent) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	*tok = p.next
	p.parked[*tok] = s
	s.parkTok = *tok
	s.parkUntil = time.Now().Add(left)
	if s.parkTimer == nil {
		s.parkTimer = time.AfterFunc(left, func() { p.idle(s) })
	} else {
		s.parkTimer.Reset(left)
	}
	op = syscall.EPOLL_CTL_ADD
	if s.epollAdded {
		op = syscall.EPOLL_CTL_MOD
	}
	s.epollAdded = true
	return op, p.ctl
}

// wake resumes the session parked under tok, if it still is, in another goroutine.
func (p *parker) wake(tok uint64, why waking) {
	if s := p.take(tok); s != nil {
		p.wakers.run(s, why)
	}
}

// idle resumes s, if it is parked and its idle timeout is due (its timer may fire for an earlier parking
// while it is parked again: a session parked after every message keeps one timer).
func (p *parker) idle(s *session) {
	p.mu.Lock()
	tok := s.parkTok
	due := p.parked[tok] == s && !time.Now().Before(s.parkUntil)
	p.mu.Unlock()
	if due {
		p.wake(tok, wokeIdle)
	}
}

// readable resumes the session parked under tok, whose socket became readable, unless the monitor closed
// it with nothing unread: then the session goes to ender, without a goroutine and a read buffer for it, so
// that thousands of parked connections closing at once (a switch restarting) cost no more than they did
// parked.
// hup: the event said the peer closed or the socket failed; without it the socket has bytes to read, and
// no look (a system call) is needed.
func (p *parker) readable(tok uint64, hup bool) {
	s := p.take(tok)
	if s == nil {
		return
	}
	if hup && s.peerGone() {
		s.closeReason = "closed by monitor"
		p.endMu.Lock()
		p.ending = append(p.ending, s)
		p.endMu.Unlock()
		select {
		case p.endReady <- struct{}{}:
		default: // ender has a token already
		}
		return
	}
	p.wakers.run(s, wokeRead)
}

// ender ends the sessions readable found hung up, in the order they came, until the parker is closed.
func (p *parker) ender() {
	defer close(p.endDone)
	var batch []*session
	for range p.endReady {
		p.endMu.Lock()
		batch, p.ending = p.ending, batch[:0]
		p.endMu.Unlock()
		for i, s := range batch {
			p.g.endSession(s)
			batch[i] = nil // kept for the next batch, without the ended session
		}
	}
}

// take removes the session parked under tok from the parker and returns it, or nil if it is not parked
// (woken already).
func (p *parker) take(tok uint64) *session {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.parked[tok]
	if s == nil {
		return nil
	}
	delete(p.parked, tok)
	s.parkTimer.Stop()
	return s
}

// peerGone says whether the monitor closed s's connection and left nothing unread (one non-blocking
// MSG_PEEK receive).
func (s *session) peerGone() bool {
	rc, err := s.c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	_ = rc.Control(func(fd uintptr) { gone = idleState(int(fd)) == errPeerClosed })
	return gone
}

// wakeSession resumes s if it is parked (Shutdown).
func (p *parker) wakeSession(s *session) {
	p.mu.Lock()
	tok := s.parkTok
	parked := p.parked[tok] == s
	p.mu.Unlock()
	if parked {
		p.wake(tok, wokeRead)
	}
}

// parks says whether s's connection can be parked: a plain TCP connection (a TLS connection may hold
// decrypted bytes its socket no longer shows) of a gateway whose parker runs. prepare asks once.
func (s *session) parks() bool {
	if s.g.parker == nil {
		return false
	}
	_, ok := s.c.(*net.TCPConn)
	return ok && s.c == s.raw
}
