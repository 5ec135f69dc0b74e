//go:build unix

package vitals_test

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the user+sys CPU the process has used so far
// (getrusage): benchmarks report it over their timed parts as cpu-ns/op, the
// figure to judge by on a shared machine, where wall time counts waits for a
// core.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
