package vitals_test

import (
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestDriftReturnIsNotAStep: a breathing rate or an end-tidal CO2 creeps
// away over tens of minutes and snaps back in one message, alone, and stays
// back (training seeds 3, 9, 13, 15: drift episodes whose return
// drift_return reported and rate_of_change reported again as a step three
// messages later, outside the episode). The return is one finding,
// drift_return. A later jump back to the trend's level is a new step and is
// reported.
func TestDriftReturnIsNotAStep(t *testing.T) {
	const step = 30 * time.Second
	learn := every(120, step, func(i int) msg { return patient(i, 80, 97, 16, 38) })
	// A trend of 40 messages, then back for 20, then (again) at the
	// trend's level for 20 when again is set.
	trend := func(rr, co2 float64, again bool) []tick {
		return every(80, step, func(i int) msg {
			switch x := ramp(i, 40); {
			case i < 40:
				return patient(i+1000, 80, 97, 16+rr*x, 38+co2*x)
			case i >= 60 && again:
				return patient(i+1000, 80, 97, 16+rr, 38+co2)
			}
			return patient(i+1000, 80, 97, 16, 38)
		})
	}
	tests := []struct {
		name string
		more []tick
		want []string
	}{
		{"breathing rate 16 → 28 over 20 min, back in one message", trend(12, 0, false), []string{"drift_return"}},
		{"etCO2 38 → 52 over 20 min, back in one message", trend(0, 14, false), []string{"drift_return"}},
		{"breathing rate back, then at 28 again in one message", trend(12, 0, true), []string{"drift_return", "rate_of_change"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkRules(t, run(t, vitals.DefaultConfig(), then(learn, step, tc.more)), tc.want...)
		})
	}
}
