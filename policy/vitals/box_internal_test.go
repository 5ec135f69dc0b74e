package vitals

import (
	"testing"
)

// A saturation box's level test allows the channel's noise, but never
// down to the level the box left: a box from 95 whose mean shift shrank to
// −1.5 with a noise of 1 (a partial recovery) does not hold at 94.5 or above,
// and still holds at 94 (review18: the test went to zero and below, and
// such a box never ended).
func TestSaturationBoxHoldsFloor(t *testing.T) {
	b := box{pre: 95, noise: 1, sum: 93.5 * 4, n: 4}
	for v, want := range map[float64]bool{93: true, 94: true, 94.5: false, 95: false, 96: false} {
		if got := b.holds(pSpO2, v); got != want {
			t.Errorf("holds(%g) with mean shift %g and noise 1 = %v, want %v", v, b.shift(), got, want)
		}
	}
	b = box{pre: 95, noise: 1, sum: 90 * 4, n: 4} // shift −5: 95 − (2.5 − 1) and beyond holds
	for v, want := range map[float64]bool{93: true, 93.6: false} {
		if got := b.holds(pSpO2, v); got != want {
			t.Errorf("holds(%g) with mean shift %g and noise 1 = %v, want %v", v, b.shift(), got, want)
		}
	}
}
