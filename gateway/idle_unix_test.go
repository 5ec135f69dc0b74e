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
func tcpPair(t testing.TB) (client, server *net.TCPConn) {
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

// readAnswer returns an answer function for writeAwait that reads want bytes into got through in.
func readAnswer(in io.Reader, got *[]byte, want int) func() error {
	return func() error {
		for len(*got) < want {
			n, err := in.Read((*got)[len(*got):want])
			if err != nil {
				return err
			}
			*got = (*got)[:len(*got)+n]
		}
		return nil
	}
}

// An answer that comes at once, before writeAwait has started to wait, still ends the wait: a missed
// wake-up would hold each round until the deadline. The answer is read inside writeAwait's wait.
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
	in := ackIn(c)
	msg := []byte("message")
	got := make([]byte, 0, len(msg))
	for i := range 500 {
		if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		n, perr, werr, aerr, answered, _ := writeAwait(c, in, msg, i > 0, 0, readAnswer(in, &got, len(msg)))
		if n != len(msg) || perr != nil || werr != nil || aerr != nil || !answered {
			t.Fatalf("round %d: writeAwait = %d, %v, %v, %v, %v", i, n, perr, werr, aerr, answered)
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
		in := ackIn(c)
		got := make([]byte, 0, 1)
		// nobody answers: the wait ends at the deadline, which the answer's read returns
		n, perr, werr, aerr, answered, _ := writeAwait(c, in, []byte("m"), true, 0, readAnswer(in, &got, 1))
		if n != 1 || perr != nil || werr != nil || !errors.Is(aerr, os.ErrDeadlineExceeded) || !answered {
			t.Fatalf("writeAwait = %d, %v, %v, %v, %v; want a deadline error for the answer", n, perr, werr, aerr, answered)
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
		n, perr, werr, _, answered, _ := writeAwait(c, ackIn(c), []byte("m"), true, 0, nil)
		if n != 0 || !errors.Is(perr, errUnexpected) || werr != nil || answered {
			t.Fatalf("writeAwait = %d, %v, %v, %v; want 0, errUnexpected, nil, false", n, perr, werr, answered)
		}
	})
	t.Run("closed by the station", func(t *testing.T) {
		c, s := tcpPair(t)
		s.Close()
		readable(t, c)
		n, perr, werr, _, answered, _ := writeAwait(c, ackIn(c), []byte("m"), true, 0, nil)
		if n != 0 || !errors.Is(perr, errPeerClosed) || werr != nil || answered {
			t.Fatalf("writeAwait = %d, %v, %v, %v; want 0, errPeerClosed, nil, false", n, perr, werr, answered)
		}
	})
}

// BenchmarkRawConnCall is what a RawConn.Read or RawConn.Write call costs around its callback, on a
// plain TCP connection whose callback returns at once: the exchange and the monitor's ACK write each
// made one more of these per message before they shared the RawConn.Read already open.
func BenchmarkRawConnCall(b *testing.B) {
	c, _ := tcpPair(b)
	b.Run("Read", func(b *testing.B) {
		for b.Loop() {
			rc, err := c.SyscallConn()
			if err != nil {
				b.Fatal(err)
			}
			if err := rc.Read(func(uintptr) bool { return true }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Write", func(b *testing.B) {
		for b.Loop() {
			rc, err := c.SyscallConn()
			if err != nil {
				b.Fatal(err)
			}
			if err := rc.Write(func(uintptr) bool { return true }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// With a spin, an answer is read while writeAwait polls for it, or, when only part of it came before the
// spin ended, the rest after the wait; either way it reads as it would without the spin, and a wait that
// nothing answers still ends at the read deadline.
func TestWriteAwaitSpin(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spin  time.Duration
		pause time.Duration // between the answer's two halves
	}{
		{"whole answer inside the spin", time.Second, 0},
		{"answer split across the spin's end", 100 * time.Microsecond, 20 * time.Millisecond},
		{"no spin", 0, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := tcpPair(t)
			msg := []byte("message-and-its-answer")
			go func() { // echoes each message in two halves, pause apart
				buf := make([]byte, len(msg))
				for {
					if _, err := io.ReadFull(s, buf); err != nil {
						return
					}
					if _, err := s.Write(buf[:len(buf)/2]); err != nil {
						return
					}
					time.Sleep(tc.pause) // the answer's timing, not a synchronisation: any pause reads the same
					if _, err := s.Write(buf[len(buf)/2:]); err != nil {
						return
					}
				}
			}()
			in := ackIn(c)
			got := make([]byte, 0, len(msg))
			for i := range 20 {
				if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
					t.Fatal(err)
				}
				got = got[:0]
				n, perr, werr, aerr, answered, _ := writeAwait(c, in, msg, i > 0, tc.spin, readAnswer(in, &got, len(msg)))
				if n != len(msg) || perr != nil || werr != nil || aerr != nil || !answered || !bytes.Equal(got, msg) {
					t.Fatalf("round %d: writeAwait = %d, %v, %v, %v, %v, answer %q", i, n, perr, werr, aerr, answered, got)
				}
			}
		})
	}
	t.Run("no answer", func(t *testing.T) {
		c, _ := tcpPair(t)
		if err := c.SetReadDeadline(time.Now().Add(5 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		in := ackIn(c)
		got := make([]byte, 0, 1)
		n, perr, werr, aerr, answered, _ := writeAwait(c, in, []byte("m"), false, time.Millisecond, readAnswer(in, &got, 1))
		if n != 1 || perr != nil || werr != nil || !errors.Is(aerr, os.ErrDeadlineExceeded) || !answered {
			t.Fatalf("writeAwait = %d, %v, %v, %v, %v; want a deadline error for the answer", n, perr, werr, aerr, answered)
		}
	})
}
