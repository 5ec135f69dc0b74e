package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hl7gate/hl7gate/hl7/mllp"
)

// maxRelayFrame bounds a frame or an answer the relay holds; a larger one closes the connection.
const maxRelayFrame = 1 << 20

// relayCmd runs a bare MLLP relay: monitors that wait for each answer before sending their next message
// (hl7load's), one station connection per monitor connection, frames and answers copied without being
// parsed. It is the benchmark's floor for a relay written in Go with hl7gate's socket pattern
// (test/bench/run.sh's relay "gorelay"): per message one read of the monitor's frame, the station
// connection's idle check (a MSG_PEEK receive, as hl7gate's stop-and-wait pool makes), one write to the
// station, a wait in the runtime's poller, one read of the answer and one write of it to the monitor, all
// non-blocking and raw (syscall.RawSyscall) inside RawConn callbacks, with one goroutine per monitor.
// What hl7gate costs above it is its own work on the message: parsing, checks, routing, bookkeeping.
// --engine uring runs the same relay as io_uring loops instead (relay_uring_linux.go).
func relayCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("hl7load relay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:2575", "`host:port` to accept monitors on")
	station := fs.String("station", "127.0.0.1:2576", "`host:port` of the station")
	idleCheck := fs.Bool("idle-check", true, "look at the station connection (a MSG_PEEK receive) before each message, as hl7gate does")
	engine := fs.String("engine", "go", "`go`: a goroutine per monitor (the runtime's poller); uring: io_uring loops (relay_uring_linux.go)")
	rings := fs.Int("rings", 1, "uring engine: `loops`, each its own thread, ring and listening socket (SO_REUSEPORT)")
	fresh := fs.Bool("fresh-check", true, "uring engine: one more io_uring_enter before a batch's frames go out, so that the idle check is as fresh as a peek")
	check := fs.Bool("check", false, "uring engine: do the gateway's per-message work on the ring's thread (parse, body check, allowlist, inventory, vital-sign checks, the station's ACK checked against the message; relay_check_linux.go)")
	findings := fs.String("findings", "", "with --check: write one JSON line per message (source, position, arrival, findings as hl7gate check prints them) to `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*check || *findings != "") && *engine != "uring" {
		return errors.New("relay: --check and --findings need --engine uring")
	}
	if *engine == "uring" {
		var chk *gwChecks
		if *check {
			var out io.Writer
			if *findings != "" {
				f, err := os.Create(*findings)
				if err != nil {
					return err
				}
				bw := bufio.NewWriterSize(f, 1<<16)
				defer func() { bw.Flush(); f.Close() }()
				out = bw
			}
			var err error
			if chk, err = newGWChecks(ctx, *station, out); err != nil {
				return err
			}
		}
		lns, bound, err := uringListeners(*addr, *rings)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "relay (io_uring, %d rings): %s to %s\n", *rings, bound, *station)
		idle := idleOff
		switch {
		case *idleCheck && *fresh:
			idle = idleFresh
		case *idleCheck:
			idle = idleBatch
		}
		return relayServeURings(ctx, lns, *station, idle, chk, stderr)
	} else if *engine != "go" {
		return fmt.Errorf("relay: unknown engine %q (go or uring)", *engine)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("relay listen: %w", err)
	}
	fmt.Fprintf(stderr, "relay: %s to %s\n", ln.Addr(), *station)
	return relayServe(ctx, ln, *station, *idleCheck)
}

// relayServe relays every monitor connection ln accepts until ctx ends, then closes every connection.
func relayServe(ctx context.Context, ln net.Listener, station string, idleCheck bool) error {
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	// hold tracks c until its release: false (c closed) once ctx has ended.
	hold := func(c net.Conn) (release func(), ok bool) {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			c.Close()
			return nil, false
		}
		conns[c] = struct{}{}
		return func() {
			c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}, true
	}
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("relay accept: %w", err)
		}
		release, ok := hold(c)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer release()
			sc, err := net.Dial("tcp", station)
			if err != nil {
				return
			}
			if release, ok := hold(sc); ok {
				defer release()
				relayConn(c.(*net.TCPConn), sc.(*net.TCPConn), idleCheck)
			}
		}()
	}
}

// relayConn serves one monitor m on a station connection s of its own until either closes, or s
// is found not idle before a message. The whole loop runs inside one RawConn.Read on the monitor's socket
// (so that, as in hl7gate, no read is made for nothing after an answer when the last read emptied the
// socket), the exchange with the station inside one RawConn.Read on the station's per message.
func relayConn(m, s *net.TCPConn, idleCheck bool) {
	mrc, err := m.SyscallConn()
	if err != nil {
		return
	}
	src, err := s.SyscallConn()
	if err != nil {
		return
	}
	frame, ack := make([]byte, 0, 4096), make([]byte, 0, 4096)
	wait := false // the latest read left the monitor's socket empty: wait for readiness, do not read
	_ = mrc.Read(func(fd uintptr) bool {
		for {
			if wait {
				wait = false
				return false
			}
			var st readState
			if frame, st, wait = readFrame(int(fd), frame); st != frameRead {
				return st == readEnded
			}
			var ok bool
			if ack, ok = exchange(src, s, frame, ack[:0], idleCheck); !ok || writeAll(int(fd), m, ack) != nil {
				return true
			}
			frame = frame[:0]
		}
	})
}

// exchange writes frame to the station and reads its answer into ack. The poller's readiness is reset
// once, when RawConn.Read begins, before the write: an answer arriving any time after it ends the wait.
func exchange(rc syscall.RawConn, s *net.TCPConn, frame, ack []byte, idleCheck bool) ([]byte, bool) {
	sent, ok := false, false
	err := rc.Read(func(fd uintptr) bool {
		if !sent {
			sent = true
			if idleCheck && !idle(int(fd)) {
				return true // unasked bytes or a close: nothing may be read as this frame's answer
			}
			return writeAll(int(fd), s, frame) != nil // else wait for the answer
		}
		var st readState
		ack, st, _ = readFrame(int(fd), ack)
		ok = st == frameRead
		return st != readWait
	})
	return ack, ok && err == nil
}

// readState is what readFrame found.
type readState int

const (
	readWait  readState = iota // the socket is empty: wait for readiness
	frameRead                  // the buffer ends with a frame's end
	readEnded                  // closed, failed, or the frame is larger than maxRelayFrame
)

// readFrame reads from the non-blocking socket fd into b until b ends with a frame's end. drained (with
// frameRead) reports that the last read left the socket empty, so that the next read would be for nothing.
func readFrame(fd int, b []byte) (_ []byte, _ readState, drained bool) {
	for {
		room := cap(b) - len(b)
		n, err := rawRead(fd, b[len(b):cap(b)])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return b, readWait, false
		case n <= 0:
			return b, readEnded, false
		}
		b = b[:len(b)+n]
		if frameEnds(b) {
			return b, frameRead, n < room
		}
		if b, err = grown(b); err != nil {
			return b, readEnded, false
		}
		if n < room {
			return b, readWait, false
		}
	}
}

// errRelayFrame: a frame or answer larger than maxRelayFrame.
var errRelayFrame = errors.New("frame too large")

// grown makes room in a full buffer, up to maxRelayFrame.
func grown(b []byte) ([]byte, error) {
	if len(b) < cap(b) {
		return b, nil
	}
	if cap(b) >= maxRelayFrame {
		return b, errRelayFrame
	}
	return slices.Grow(b, cap(b)), nil
}

// frameEnds reports whether b ends with an MLLP frame's end (FS CR).
func frameEnds(b []byte) bool {
	return len(b) >= 2 && b[len(b)-2] == mllp.EndBlock && b[len(b)-1] == mllp.CarriageReturn
}

// idle reports whether a station connection holds no unasked bytes and no close (one MSG_PEEK receive).
func idle(fd int) bool {
	var b [1]byte
	_, err := rawResult(syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0))
	return err == syscall.EAGAIN
}

// writeAll writes p to the non-blocking socket fd, and what its send buffer does not take through c's
// Write, which waits.
func writeAll(fd int, c net.Conn, p []byte) error {
	for len(p) > 0 {
		n, err := rawResult(syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p))))
		switch {
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			_, err = c.Write(p)
			return err
		case err != nil:
			return err
		default:
			p = p[n:]
		}
	}
	return nil
}

// rawRead is syscall.Read on a non-blocking socket, without the scheduler's system-call bookkeeping (see
// gateway/sysraw_linux.go).
func rawRead(fd int, p []byte) (int, error) {
	return rawResult(syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p))))
}

func rawResult(r, _ uintptr, e syscall.Errno) (int, error) {
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}
