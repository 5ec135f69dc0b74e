//go:build unix

package gateway

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// readable waits until c has bytes or the end of the stream to read, consuming nothing.
func readable(t *testing.T, c *net.TCPConn) {
	t.Helper()
	rc, err := c.SyscallConn()
	if err == nil {
		err = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	}
	if err == nil {
		err = rc.Read(func(fd uintptr) bool {
			var b [1]byte
			_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			return err != syscall.EAGAIN
		})
	}
	if err == nil {
		err = c.SetReadDeadline(time.Time{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// An answer that comes at once, before writeAwait has started to wait, still ends the wait: a missed
// wake-up would hold each round until the deadline.
func TestWriteAwaitAnswerNotMissed(t *testing.T) {
	c, s := tcpPair(t)
	go func() { // echo: answers each message as soon as it is read
		buf := make([]byte, 64)
		for {
			n, err := s.Read(buf)
			if err != nil {
				return
			}
			if _, err := s.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	msg := []byte("message")
	got := make([]byte, len(msg))
	for i := range 500 {
		if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		n, perr, werr := writeAwait(c, msg, i > 0)
		if n != len(msg) || perr != nil || werr != nil {
			t.Fatalf("round %d: writeAwait = %d, %v, %v", i, n, perr, werr)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatalf("round %d: reading the answer: %v", i, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("round %d: answer %q", i, got)
		}
	}
}

// Bytes the station sent unasked, or its close, are found before the message goes out, and nothing is
// written then.
func TestWriteAwaitIdleCheck(t *testing.T) {
	t.Run("quiet", func(t *testing.T) {
		c, s := tcpPair(t)
		if err := c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, perr, werr := writeAwait(c, []byte("m"), true) // nobody answers: the wait ends at the deadline
		if n != 1 || perr != nil || werr != nil {
			t.Fatalf("writeAwait = %d, %v, %v", n, perr, werr)
		}
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read after the wait: %v, want a deadline error", err)
		}
		buf := make([]byte, 1)
		if _, err := io.ReadFull(s, buf); err != nil || buf[0] != 'm' {
			t.Fatalf("station read %q, %v", buf, err)
		}
	})
	t.Run("unasked bytes", func(t *testing.T) {
		c, s := tcpPair(t)
		if _, err := s.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		readable(t, c)
		n, perr, werr := writeAwait(c, []byte("m"), true)
		if n != 0 || !errors.Is(perr, errUnexpected) || werr != nil {
			t.Fatalf("writeAwait = %d, %v, %v; want 0, errUnexpected, nil", n, perr, werr)
		}
	})
	t.Run("closed by the station", func(t *testing.T) {
		c, s := tcpPair(t)
		s.Close()
		readable(t, c)
		n, perr, werr := writeAwait(c, []byte("m"), true)
		if n != 0 || !errors.Is(perr, errPeerClosed) || werr != nil {
			t.Fatalf("writeAwait = %d, %v, %v; want 0, errPeerClosed, nil", n, perr, werr)
		}
	})
}
