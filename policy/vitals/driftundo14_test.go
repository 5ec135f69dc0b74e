package vitals_test

import (
	"math"
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

// TestStepUndoneOnAMovingLevel: an arterial pressure forged 30 mmHg higher
// in one message while a vasopressor is weaned (the patient's own pressure
// sinking 130 → 110 over 40 minutes), the offset removed 40 minutes later:
// the pressure falls by the step's size to a level it never had before the
// step (training seed 20 m0068, m0088). The step is reported once, at its
// onset. A later fall by twice the step's size is a step of its own.
func TestStepUndoneOnAMovingLevel(t *testing.T) {
	const step = time.Minute
	at := func(i int, sys float64) msg { return art(i, 80, math.Round(sys), math.Round(sys/2+5)) }
	level := func(i int) float64 { return 130 - 20*ramp(i-60, 60) }
	ticks := func(drop float64) []tick {
		return every(160, step, func(i int) msg {
			switch {
			case i >= 70 && i < 110:
				return at(i, level(i)+30)
			case i >= 110:
				return at(i, level(i)-drop)
			}
			return at(i, level(i))
		})
	}
	// Systolic findings: the three pressures step together.
	steps := func(drop float64) (n int) {
		for _, f := range run(t, vitals.DefaultConfig(), ticks(drop)) {
			if f.Rule == "rate_of_change" && f.Parameter == "MDC_PRESS_BLD_ART_SYS" {
				n++
			}
		}
		return n
	}
	if n := steps(0); n != 1 {
		t.Errorf("offset removed: %d systolic rate_of_change findings, want 1 (the onset)", n)
	}
	if n := steps(30); n != 2 {
		t.Errorf("fall by twice the step: %d systolic rate_of_change findings, want 2", n)
	}
}
