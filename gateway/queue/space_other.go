//go:build !linux

package queue

// availableBytes does not know the free space here: the probe's write alone tells.
func availableBytes(dir string) (int64, bool) { return 0, false }
