//go:build linux

package queue

import (
	"os"
	"syscall"
)

// AvailableBytes returns the bytes of dir's file system that this process may still write, and whether
// it knows: root may also use the blocks the file system reserves for it (ext4: 5 %), others not.
func AvailableBytes(dir string) (int64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	blocks := st.Bavail
	if os.Geteuid() == 0 {
		blocks = st.Bfree
	}
	return int64(blocks) * st.Bsize, true
}
