//go:build !unix

package vitals_test

import (
	"testing"
	"time"
)

// processCPU returns 0 where getrusage is missing: cpu-ns/op reads 0 there.
func processCPU(*testing.B) time.Duration { return 0 }
