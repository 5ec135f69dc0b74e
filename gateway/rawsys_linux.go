//go:build linux && !386

package gateway

import (
	"syscall"
	"unsafe"
)

// The system calls on non-blocking sockets of the per-message path (the station idle check, the writes,
// a polled session's reads) never wait, so they skip the runtime's entersyscall/exitsyscall, which
// syscall.Read and friends make to hand the thread's P over while a call blocks: on the benchmark
// machine that hand-over costs a quarter to a third of an empty system call's 1.1 µs.

// readNB reads the non-blocking socket fd into p.
func readNB(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return result(n, e)
}

// writeNB writes p to the non-blocking socket fd.
func writeNB(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return result(n, e)
}

// peekNB receives into b from the socket fd without waiting and without consuming (MSG_PEEK).
func peekNB(fd int, b []byte) (int, error) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)),
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return result(n, e)
}

func result(n uintptr, e syscall.Errno) (int, error) {
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
