package vitals

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestInBurstAsBeforeReview34 (review34): on a feed whose arrivals lie
// between 1970 and 2106 and go forward, inBurst is the expression it
// replaced, now − at·1 s ≤ artBurst, to the nanosecond; it differs only for
// an at after now (a clock stepped back, or a wrapped uint32).
func TestInBurstAsBeforeReview34(t *testing.T) {
	r := rand.New(rand.NewPCG(34, 1))
	old := func(now int64, at uint32) bool {
		return at != 0 && now-int64(at)*int64(time.Second) <= artBurst.Nanoseconds()
	}
	for range 1_000_000 {
		at := uint32(r.Uint64N(1 << 32))
		now := int64(at)*int64(time.Second) + r.Int64N(2*artBurst.Nanoseconds())
		if now/int64(time.Second) >= 1<<32 {
			continue
		}
		if got, want := inBurst(now, at), old(now, at); got != want {
			t.Fatalf("inBurst(%d, %d) = %v, was %v", now, at, got, want)
		}
	}
	cut := func(sec int64) uint32 { return uint32(sec) } // as notePleth stores an arrival
	edge := int64(1_700_000_000) * int64(time.Second)
	for _, tc := range []struct {
		now  int64
		at   uint32
		want bool
	}{
		{edge + artBurst.Nanoseconds(), 1_700_000_000, true},
		{edge + artBurst.Nanoseconds() + 1, 1_700_000_000, false},
		{edge - 1, 1_700_000_000, false},                // the arrival clock stepped back a nanosecond under at's second
		{edge - int64(time.Hour), 1_700_000_000, false}, // an hour back: was within artBurst for the hour
		{-int64(time.Minute), cut(-2 * 60), true},
		{int64(time.Minute), cut(-2 * 60), true}, // across 1970
		{-int64(time.Hour), cut(-2 * 3600), false},
		{0, 0, false},
	} {
		if got := inBurst(tc.now, tc.at); got != tc.want {
			t.Errorf("inBurst(%d, %d) = %v, want %v", tc.now, tc.at, got, tc.want)
		}
	}
}
