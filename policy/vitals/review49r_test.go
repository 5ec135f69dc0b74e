package vitals_test

import (
	"math/rand/v2"
	"testing"
)

// detour is the heart rate written into the breathing rate for messages
// 120-129 (ten, a run that shows an overlay) and then level (±1) from 130 on:
// a forger's breathing rate that goes to the level it wants by way of the
// heart's rate.
func detour(level float64) func(i int, h float64, r *rand.Rand) float64 {
	return func(i int, h float64, r *rand.Rand) float64 {
		if i < 130 {
			return atTheHeart(i, h, r)
		}
		return level + float64(r.IntN(3)-1)
	}
}

// TestReviewForgedLevelAfterOverlay49 (review49r): the overlay's withheld
// step (rrheart49) may hide only the overlay, within its hold. A forged
// breathing rate that passes through the heart's rate for ten messages and
// then holds a level of its own for an hour (130 beside a heart rate of
// 90, off the heart's rate; 30 from 16, a tachypnoea) is a step main
// reports; on rrheart49's head the first step's episode, opened silently,
// swallowed the second step (130), and a return nearer the breaths than the
// heart (30) counted as the overlay's end (30).
func TestReviewForgedLevelAfterOverlay49(t *testing.T) {
	tests := []ruleCase{
		{"16, the heart's rate for 10 messages, then 130 for an hour", overlayBed(480, 10*sec, between(120, 480), detour(130)), []string{"rate_of_change"}},
		{"16, the heart's rate for 10 messages, then 30 for an hour", overlayBed(480, 10*sec, between(120, 480), detour(30)), []string{"rate_of_change"}},
	}
	checkCases(t, tests)
}
