//go:build race

package gateway

import "syscall"

// sysEpollWait and sysEpollCtl are sysraw_linux.go's, through package syscall under the race detector.
func sysEpollWait(epfd int, evs []syscall.EpollEvent) (int, error) {
	return syscall.EpollWait(epfd, evs, 0)
}
func sysEpollCtl(epfd, op, fd int, ev *syscall.EpollEvent) error {
	return syscall.EpollCtl(epfd, op, fd, ev)
}
