//go:build unix && (!linux || race)

package gateway

import "syscall"

// sysRead, sysWrite and sysPeek are the system calls of sysraw_linux.go, through the runtime's scheduler
// on other systems and under the race detector.
func sysRead(fd int, p []byte) (int, error)  { return syscall.Read(fd, p) }
func sysWrite(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }
func sysPeek(fd int, p []byte) (int, error) {
	n, _, err := syscall.Recvfrom(fd, p, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}
