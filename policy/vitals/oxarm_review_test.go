package vitals_test

import "testing"

// TestCuffOnProbeReview (review40c): the cuff on the oximeter's arm stops
// the finger's pulse for one measurement (cuffMeasure) at most, and sags
// the saturation, never raises it. A pulse rate that stopped coming long
// before the dip (the oximeter no longer sends one, or lost the pulse for
// another reason) is no cuff's; a saturation that rose is no cuff's either.
func TestCuffOnProbeReview(t *testing.T) {
	checkCases(t, []ruleCase{
		{"a dip 3 min after the pulse rate stopped coming", sagged.with(func(o *oxArm) { o.prUntil = 40 }).ticks(), []string{"spike"}},
		{"a saturation risen without its pulse, back with a cuff reading", sagged.with(func(o *oxArm) { o.level, o.dip = 78, [3]string{"97", "98", ""} }).ticks(), []string{"spike"}},
	})
}
