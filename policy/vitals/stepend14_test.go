package vitals_test

import (
	"math"
	"testing"
	"time"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

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
