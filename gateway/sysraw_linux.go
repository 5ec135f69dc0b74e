//go:build !race

package gateway

import (
	"syscall"
	"unsafe"
)

// The system calls a message makes on its sockets, all non-blocking, are made without telling the
// runtime's scheduler (syscall.RawSyscall): a call through syscall.Syscall marks the goroutine as in a
// system call, and when every P was idle just before (a gateway that waits between messages, as with
// thousands of monitors at one message a second each) it wakes the runtime's monitor thread (sysmon) with
// a futex, which then polls every 20 µs for a while: a wake-up and dozens of nanosleep calls per message
// for nothing, since a non-blocking call on a socket never holds its P long enough for sysmon to matter.
// Only calls that cannot block go through here: reads, writes and peeks on non-blocking sockets, and
// epoll_ctl and epoll_pwait with a zero timeout on the parker's epoll instance.
//
// Under the race detector they are package syscall's (sysraw_other.go, sysraw_race_linux.go): its reads
// and writes tell the detector that what one goroutine wrote to a socket happened before what another
// reads from it, which tests of the gateway that talk to it over sockets rely on.

// sysRead is syscall.Read on a non-blocking descriptor.
func sysRead(fd int, p []byte) (int, error) {
	return rawResult(syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))),
		uintptr(len(p))))
}

// sysWrite is syscall.Write on a non-blocking descriptor.
func sysWrite(fd int, p []byte) (int, error) {
	return rawResult(syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))),
		uintptr(len(p))))
}

// sysPeek receives into p without consuming it and without waiting (MSG_PEEK|MSG_DONTWAIT).
func sysPeek(fd int, p []byte) (int, error) {
	return rawResult(syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))),
		uintptr(len(p)), syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0))
}

// rawResult turns a raw system call's result into a count and an error, as package syscall does (-1 on
// an error).
func rawResult(r, _ uintptr, e syscall.Errno) (int, error) {
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}

// sysEpollWait is syscall.EpollWait with a zero timeout: it never waits.
func sysEpollWait(epfd int, evs []syscall.EpollEvent) (int, error) {
	return rawResult(syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd),
		uintptr(unsafe.Pointer(unsafe.SliceData(evs))), uintptr(len(evs)), 0, 0, 0))
}

// sysEpollCtl is syscall.EpollCtl.
func sysEpollCtl(epfd, op, fd int, ev *syscall.EpollEvent) error {
	_, err := rawResult(syscall.RawSyscall6(syscall.SYS_EPOLL_CTL, uintptr(epfd), uintptr(op), uintptr(fd),
		uintptr(unsafe.Pointer(ev)), 0, 0))
	return err
}
