//go:build linux

package testkit

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of size bytes on a new temporary directory and unmounts it at cleanup: a real file
// system that fills up (ENOSPC) for the tests of a full disk, without mocks. It needs root.
func Tmpfs(tb testing.TB, size int64) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		Unavailable(tb, "mounting a tmpfs needs root")
	}
	dir := tb.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.FormatInt(size, 10)+",mode=0700"); err != nil {
		Unavailable(tb, "mount tmpfs: "+err.Error())
	}
	tb.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a file in dir, a page at a time, until its file system is full (ENOSPC), and returns the
// function that removes it again.
func Fill(tb testing.TB, dir string) (free func()) {
	tb.Helper()
	name := filepath.Join(dir, "FILL")
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	page := make([]byte, 4096)
	for {
		if _, err = f.Write(page); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.ENOSPC) {
		tb.Fatalf("filling %s: %v, want ENOSPC", dir, err)
	}
	return func() {
		tb.Helper()
		if err := os.Remove(name); err != nil {
			tb.Fatal(err)
		}
	}
}
