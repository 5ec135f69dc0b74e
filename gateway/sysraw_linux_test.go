package gateway

import (
	"syscall"
	"testing"
)

// TestSysRaw checks the system calls a message makes (sysraw_linux.go, RawSyscall; under the race
// detector package syscall's, sysraw_other.go and sysraw_race_linux.go) against what package syscall
// returns, on a non-blocking loopback socket pair: an empty socket's EAGAIN (count -1), a peek that
// leaves the bytes, a read that takes them, the end of the stream (0, nil), no descriptor's
// EBADF, and an epoll instance that reports a readable socket with its token and nothing otherwise.
// Only `go test` without -race runs the RawSyscall versions.
func TestSysRaw(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := fds[0], fds[1]
	defer syscall.Close(a)
	var buf [16]byte
	if n, err := sysRead(a, buf[:]); n != -1 || err != syscall.EAGAIN {
		t.Fatalf("read of an empty socket = %d, %v; want -1, EAGAIN", n, err)
	}
	if n, err := sysPeek(a, buf[:]); n != -1 || err != syscall.EAGAIN {
		t.Fatalf("peek of an empty socket = %d, %v; want -1, EAGAIN", n, err)
	}

	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ep)
	var tok uint64 = 1<<32 | 7
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLONESHOT, Fd: int32(uint32(tok)), Pad: int32(uint32(tok >> 32))}
	if err := sysEpollCtl(ep, syscall.EPOLL_CTL_ADD, a, &ev); err != nil {
		t.Fatalf("epoll_ctl: %v", err)
	}
	if err := sysEpollCtl(ep, syscall.EPOLL_CTL_ADD, a, &ev); err != syscall.EEXIST {
		t.Fatalf("second epoll_ctl ADD = %v, want EEXIST", err)
	}
	var evs [4]syscall.EpollEvent
	if n, err := sysEpollWait(ep, evs[:]); n != 0 || err != nil {
		t.Fatalf("epoll_wait with nothing to read = %d, %v; want 0, nil", n, err)
	}

	if n, err := sysWrite(b, []byte("MSH|x")); n != 5 || err != nil {
		t.Fatalf("write = %d, %v", n, err)
	}
	n, err := sysEpollWait(ep, evs[:])
	if n != 1 || err != nil || uint64(uint32(evs[0].Fd))|uint64(uint32(evs[0].Pad))<<32 != tok || evs[0].Events&syscall.EPOLLIN == 0 {
		t.Fatalf("epoll_wait after a write = %d, %v, %+v; want the token %#x readable", n, err, evs[0], tok)
	}
	for range 2 { // a peek consumes nothing
		if n, err := sysPeek(a, buf[:1]); n != 1 || err != nil || buf[0] != 'M' {
			t.Fatalf("peek = %d, %v, %q", n, err, buf[:1])
		}
	}
	if n, err := sysRead(a, buf[:]); n != 5 || err != nil || string(buf[:n]) != "MSH|x" {
		t.Fatalf("read = %d, %v, %q", n, err, buf[:max(n, 0)])
	}

	syscall.Close(b)
	if n, err := sysPeek(a, buf[:]); n != 0 || err != nil {
		t.Fatalf("peek after the peer closed = %d, %v; want 0, nil", n, err)
	}
	if n, err := sysRead(a, buf[:]); n != 0 || err != nil {
		t.Fatalf("read after the peer closed = %d, %v; want 0, nil", n, err)
	}
	// Not b: its number may be another test's descriptor by now.
	if n, err := sysWrite(-1, buf[:1]); n != -1 || err != syscall.EBADF {
		t.Fatalf("write to no descriptor = %d, %v; want -1, EBADF", n, err)
	}
	if n, err := sysEpollWait(-1, evs[:]); n != -1 || err != syscall.EBADF {
		t.Fatalf("epoll_wait on no descriptor = %d, %v; want -1, EBADF", n, err)
	}
}
