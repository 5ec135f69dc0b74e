package loadgen

import (
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleep sleeps for d with nanosleep, which blocks the thread instead of waiting on the Go
// runtime's millisecond-grained poller.
func preciseSleep(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
