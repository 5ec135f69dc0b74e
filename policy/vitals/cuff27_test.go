package vitals_test

import (
	"testing"
	"time"
)

// TestCuffFormOwn27 (session 27, cuff27): an oscillometric cuff measures
// the mean and derives its systolic and diastolic from the oscillation
// envelope, each with the derivation's error (several mmHg, more in an
// irregular rhythm or a moving patient), so from one reading to the next
// the form factor (MAP−DIA)/PP of a bed's cuff can wander from 0.05 to 0.45
// (the fourth blind generator's clean adult cuffs: s6 m0065 143/84, mean 87;
// s1 m0011 122/78, mean 82, between readings at 0.3-0.4). Such a bed's low
// readings lie within its own scatter and map_formula stays quiet; a cuff
// whose readings kept their form factor and then reports a mean far below
// it, or a mean at its diastolic on any bed, is still reported.
func TestCuffFormOwn27(t *testing.T) {
	every5 := schedule(5*time.Minute, 0, 0, 0, 60*time.Minute)
	// scattered: form factors 0.31, 0.09, 0.40, 0.22, 0.35, 0.05, 0.28, ...
	scattered := [][3]float64{{120, 70, 85.5}, {122, 78, 82}, {118, 68, 88}, {125, 73, 84.5}, {119, 71, 88}, {143, 84, 87}, {121, 72, 86}}
	cycle := func(k int) [3]float64 { return scattered[k%len(scattered)] }
	// steady: 0.38-0.42 of the pulse, then one reading at 0.12.
	steady := func(low [3]float64, at int) func(k int) [3]float64 {
		return func(k int) [3]float64 {
			if k == at {
				return low
			}
			j := float64(k % 3)
			return [3]float64{120 + j, 70, 90 + j}
		}
	}
	tests := []ruleCase{
		{"a cuff whose derived pressures scatter about its mean, low readings among them", cuffReadings("", 60*time.Minute, every5, cycle), nil},
		{"a steady cuff's mean moved to 0.12 of its pulse", cuffReadings("", 60*time.Minute, every5, steady([3]float64{124, 65, 72}, 8)), []string{"map_formula"}},
		{"a scattered cuff's mean 1 above its diastolic", cuffReadings("", 60*time.Minute, every5, func(k int) [3]float64 {
			if k == 8 {
				return [3]float64{116, 67, 68}
			}
			return cycle(k)
		}), []string{"map_formula"}},
	}
	checkCases(t, tests)
}
