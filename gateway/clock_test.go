package gateway

import (
	"testing"
	"time"
)

// monoNow lies between two readings of time.Now taken around it, by the monotonic clock, and carries a
// monotonic reading of its own (Round(0) strips it, so the two differ).
func TestMonoNow(t *testing.T) {
	for range 1000 {
		before := time.Now()
		now := monoNow()
		after := time.Now()
		if now.Before(before) || now.After(after) {
			t.Fatalf("monoNow %v outside [%v, %v]", now, before, after)
		}
		if now == now.Round(0) {
			t.Fatal("monoNow has no monotonic reading")
		}
	}
}

// BenchmarkClock compares a reading of the clock by time.Now with one by monoNow.
func BenchmarkClock(b *testing.B) {
	b.Run("time.Now", func(b *testing.B) {
		for b.Loop() {
			_ = time.Now()
		}
	})
	b.Run("monoNow", func(b *testing.B) {
		for b.Loop() {
			_ = monoNow()
		}
	})
}
