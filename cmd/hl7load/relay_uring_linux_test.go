package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/hl7/mllp"
	"golang.org/x/sys/unix"
)

// startURingRelay runs the uring engine with rings loops and the idle check idle toward station until the
// test ends; it skips the test where the kernel refuses io_uring (kernel.io_uring_disabled, seccomp).
func startURingRelay(t *testing.T, station string, rings int, idle idleMode) string {
	t.Helper()
	if r, err := newURing(8, 0); err != nil {
		t.Skipf("no io_uring here: %v", err)
	} else {
		r.close()
	}
	lns, addr, err := uringListeners("127.0.0.1:0", rings)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relayServeURings(ctx, lns, station, idle, nil, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("relay: %v", err)
		}
	})
	return addr
}

// TestRelayURingCarriesEveryMessage: the light driver through the uring engine, one loop and two, each
// idle check, every message acknowledged by the station and verified there (received once, unchanged, in
// order).
func TestRelayURingCarriesEveryMessage(t *testing.T) {
	for _, c := range []struct {
		rings int
		idle  idleMode
	}{{1, idleFresh}, {2, idleFresh}, {1, idleBatch}, {1, idleOff}} {
		t.Run(fmt.Sprintf("rings=%d,idle=%d", c.rings, c.idle), func(t *testing.T) {
			station, url := startStation(t)
			rep, err := runJSON(t, "monitors", "--addr", startURingRelay(t, station, c.rings, c.idle), "--station", url, "-n", "8",
				"--messages", "50", "--duration", "0", "--prebuilt", "3")
			if err != nil {
				t.Fatal(err)
			}
			if st := rep.Station; rep.Sent != 400 || rep.Answers["AA"] != 400 || st == nil || st.Received != 400 || rep.Failed {
				t.Errorf("report %+v, want 400 sent, AA and received, not failed", rep)
			}
		})
	}
}

// uringPair is a monitor connection through the uring relay and the station's end of its station connection.
func uringPair(t *testing.T, idle idleMode) (monitor, station net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	monitor, err = net.Dial("tcp", startURingRelay(t, ln.Addr().String(), 1, idle))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { monitor.Close() })
	if station, err = ln.Accept(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { station.Close() })
	// Bounds, not synchronisation: a relay that misses what a test expects of it fails the test here.
	monitor.SetDeadline(time.Now().Add(5 * time.Second))
	station.SetDeadline(time.Now().Add(5 * time.Second))
	return monitor, station
}

// TestRelayURingAnswerAfterStation: frames (one split over two writes, one larger than the relay's first
// buffer) reach the station whole; the monitor has nothing before the station answers, then exactly its
// answer.
func TestRelayURingAnswerAfterStation(t *testing.T) {
	m, s := uringPair(t, idleFresh)
	const msh = "MSH|^~\\&|M|I|ST|H|20261203||ORU^R01|M%d|P|2.6\r"
	for i, body := range []string{fmt.Sprintf(msh, 1), fmt.Sprintf(msh, 2) + strings.Repeat("OBX|1|NM|x||1\r", 700)} {
		frame, _ := mllp.AppendFrame(nil, []byte(body))
		half := len(frame) / 2
		if _, err := m.Write(frame[:half]); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Write(frame[half:]); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(frame))
		if _, err := io.ReadFull(s, got); err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("frame %d: the station read %d bytes (%v), want the frame", i, len(got), err)
		}
		if n := pending(t, m); n != 0 {
			t.Fatalf("frame %d: the monitor holds %d bytes before the station answered", i, n)
		}
		ack, _ := mllp.AppendFrame(nil, fmt.Appendf(nil, "MSH|^~\\&|ST|H|M|I|20261203||ACK|A%d|P|2.6\rMSA|AA|M%d\r", i+1, i+1))
		if _, err := s.Write(ack); err != nil {
			t.Fatal(err)
		}
		got = make([]byte, len(ack))
		if _, err := io.ReadFull(m, got); err != nil || !bytes.Equal(got, ack) {
			t.Fatalf("frame %d: the monitor read %q (%v), want the station's answer", i, got, err)
		}
	}
}

// pending is the number of bytes waiting in c's socket (a MSG_PEEK|MSG_DONTWAIT receive).
func pending(t *testing.T, c net.Conn) int {
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var rerr error
	if err := rc.Control(func(fd uintptr) {
		b := make([]byte, 1<<16)
		n, _, rerr = unix.Recvfrom(int(fd), b, unix.MSG_PEEK|unix.MSG_DONTWAIT)
	}); err != nil {
		t.Fatal(err)
	}
	if errors.Is(rerr, unix.EAGAIN) {
		return 0
	}
	if rerr != nil {
		t.Fatal(rerr)
	}
	return n
}

// TestRelayURingStationClosesIdle: a station that closes an idle connection is found by the idle check
// before any frame: the relay closes both connections, the station reads nothing, the monitor reads no
// answer, with either check. Without one (idleOff) the relay would not notice until a frame had been
// written into the closed connection: this test and the next fail then (on their deadline).
func TestRelayURingStationClosesIdle(t *testing.T) {
	testStationIdle(t, func(s net.Conn) { s.(*net.TCPConn).CloseWrite() })
}

// TestRelayURingUnaskedBytes: bytes a station sends unasked (here an MLLP commit ACK, which names no
// message) close the pair: nothing reaches the monitor, where it could pass for the next frame's answer.
func TestRelayURingUnaskedBytes(t *testing.T) {
	commit, _ := mllp.AppendFrame(nil, []byte{mllp.CommitACK})
	testStationIdle(t, func(s net.Conn) {
		if _, err := s.Write(commit); err != nil {
			t.Fatal(err)
		}
	})
}

// testStationIdle does act on the station's end of an idle pair, then expects the relay to close the pair
// with nothing written to either side.
func testStationIdle(t *testing.T, act func(station net.Conn)) {
	for _, idle := range []idleMode{idleFresh, idleBatch} {
		t.Run(fmt.Sprint("idle=", idle), func(t *testing.T) { testStationIdleWith(t, idle, act) })
	}
}

// testStationIdleWith is testStationIdle with one idle check.
func testStationIdleWith(t *testing.T, idle idleMode, act func(station net.Conn)) {
	m, s := uringPair(t, idle)
	act(s)
	if got, err := io.ReadAll(s); len(got) != 0 || err != nil {
		t.Fatalf("the station read %q (%v), want the relay's close and nothing else", got, err)
	}
	if got, err := io.ReadAll(m); len(got) != 0 || (err != nil && !errors.Is(err, unix.ECONNRESET)) {
		t.Fatalf("the monitor read %q (%v), want the relay's close and nothing else", got, err)
	}
}
