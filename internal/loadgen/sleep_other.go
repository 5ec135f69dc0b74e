//go:build !linux

package loadgen

import "time"

// preciseSleep sleeps for d. Off Linux it is time.Sleep, so open-loop sends may come up to a
// millisecond late when the process is idle (see pace).
func preciseSleep(d time.Duration) { time.Sleep(d) }
