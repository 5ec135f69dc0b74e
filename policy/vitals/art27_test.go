package vitals_test

import (
	"testing"

	"github.com/hl7gate/hl7gate/policy/vitals"
)

// TestTransducerLevelledHoursLater27: a transducer left off its level by a
// bed moved for a procedure stays there until a nurse levels it again, at a
// round or a handover, often hours later. Its return, the three pressures
// back by the one amount they left by, is no step however long the line sat
// off; the same move back after the patient's own level changed (the line
// moved twice as far) still is.
func TestTransducerLevelledHoursLater27(t *testing.T) {
	base := every(60, 30*sec, func(i int) msg { return artShifted(i, 80, 0, 0, 0) })
	off := every(330, 30*sec, func(i int) msg { return artShifted(i+100, 80, -10, -10, -10) }) // 2 h 45 min
	tests := []struct {
		name   string
		back   [3]float64
		report bool
	}{
		{"put back 2 h 45 min later", [3]float64{2, 2, 2}, false},
		{"moved by twice the shift", [3]float64{12, 12, 12}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ret := every(40, 30*sec, func(i int) msg { return artShifted(i+500, 80, tc.back[0], tc.back[1], tc.back[2]) })
			ticks := then(then(base, 30*sec, off), 30*sec, ret)
			returned := t0.Add(ticks[len(ticks)-len(ret)].at)
			fs := run(t, vitals.DefaultConfig(), ticks)
			n := 0
			for _, f := range fs {
				t.Logf("%s %s %v %g from %g", f.Rule, f.Parameter, f.ObservedAt.Sub(returned), f.Value, f.Other)
				if !f.ObservedAt.Before(returned) && (f.Rule == "rate_of_change" || f.Rule == "drift_return") {
					n++
				}
			}
			if tc.report && n == 0 {
				t.Errorf("the line's move at the return was not reported; rules fired %q", rulesOf(fs))
			}
			if !tc.report && n > 0 {
				t.Errorf("the transducer's return was reported")
			}
		})
	}
}
