//go:build unix && !(linux && !386)

package gateway

import "syscall"

// readNB reads the non-blocking socket fd into p.
func readNB(fd int, p []byte) (int, error) { return syscall.Read(fd, p) }

// writeNB writes p to the non-blocking socket fd.
func writeNB(fd int, p []byte) (int, error) { return syscall.Write(fd, p) }

// peekNB receives into b from the socket fd without waiting and without consuming (MSG_PEEK).
func peekNB(fd int, b []byte) (int, error) {
	n, _, err := syscall.Recvfrom(fd, b, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}
