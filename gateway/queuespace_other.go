//go:build !unix

package gateway

// freeBytes is not known on this platform: the queue.max_bytes check is skipped.
func freeBytes(string) (int64, bool) { return 0, false }
